// Monitoring (R16): the metrics listener's /metrics, /healthz and /readyz, counters that move
// with real traffic (signaling entries, server API calls), and an exposition that carries no
// user id, room id, client address or made-up action name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import https from 'node:https';
import {
  startServer, createApp, createApiKey, connectClient, newRoomId, newUserId, ERR, freePort, sleep,
} from './lib/harness.mjs';
import { rawApiRequest, envelopeCode } from './lib/trtc-api.mjs';
import { httpGet, scrape, metricSum } from './lib/metrics.mjs';

const { Api } = createRequire(import.meta.url)('tls-sig-api-v2');
let server;

const now = () => Math.floor(Date.now() / 1000);
const roomInfo = (app) => ({ SdkAppId: app.sdkAppId, StartTime: now() - 600, EndTime: now() });

before(async () => {
  // Two sessions at most: the third entry is refused with OVERLOADED, a service-caused failure.
  server = await startServer({ 'metrics.port': await freePort(), 'signal.max_sessions': 2, 'media.workers': 2 });
});
after(() => server?.stop());

test('the ready file reports the metrics port; /healthz and /readyz answer', async () => {
  assert.equal(typeof server.metricsPort, 'number', `ready file: ${JSON.stringify(server.ready)}`);
  const health = await httpGet(server.metricsPort, '/healthz');
  assert.equal(health.status, 200);
  assert.equal(health.text, 'ok\n');
  const ready = await httpGet(server.metricsPort, '/readyz');
  assert.equal(ready.status, 200);
  assert.equal((await httpGet(server.metricsPort, '/nope')).status, 404);
});

test('entries, API calls and control-plane gauges move; no user data in the exposition', { timeout: 60000 }, async () => {
  const before = (await scrape(server.metricsPort)).samples;
  const entries = (labels) => metricSum(before, 'atrium_entry_requests_total', labels);
  assert.equal(entries({ outcome: 'success' }), 0);
  assert.equal(metricSum(before, 'atrium_ready'), 1);
  assert.ok(metricSum(before, 'process_resident_memory_bytes') > 0);
  assert.ok(metricSum(before, 'process_open_fds') > 0);
  assert.ok(metricSum(before, 'process_start_time_seconds') > Date.now() / 1000 - 3600);
  assert.equal(before.filter((s) => s.name === 'atrium_media_worker_cpu_seconds_total').length, 2, 'one series per worker');

  const app = await createApp(server);
  const other = await createApp(server);
  const roomId = newRoomId();
  const alice = newUserId('metrics_alice');
  const bob = newUserId('metrics_bob');
  const carol = newUserId('metrics_carol');
  const mallory = newUserId('metrics_mallory');
  await (await connectClient(server, 'alice')).enterOk(app, alice, { roomId });
  // Client-caused: a UserSig signed with another app's key (before the session cap is reached,
  // which is checked first).
  const bad = await (await connectClient(server, 'mallory')).enter(app, mallory,
    { roomId, userSig: new Api(app.sdkAppId, other.secretKey).genSig(mallory, 600) });
  assert.equal(bad.error?.code, ERR.USERSIG_BAD_SIGNATURE, JSON.stringify(bad));
  await (await connectClient(server, 'bob')).enterOk(app, bob, { roomId });
  // Service-caused: over signal.max_sessions.
  const over = await (await connectClient(server, 'carol')).enter(app, carol, { roomId });
  assert.equal(over.error?.code, ERR.OVERLOADED, JSON.stringify(over));

  const key = await createApiKey(server, app);
  const ok = await rawApiRequest(server, { action: 'DescribeRoomInfo', key, body: roomInfo(app) });
  assert.equal(envelopeCode(ok, 'DescribeRoomInfo'), undefined, ok.text);
  // An attacker-chosen action name (here carrying a user id) must not become a label value.
  const evilAction = `Describe${alice}`;
  const evil = await rawApiRequest(server, { action: evilAction, key, body: {} });
  assert.equal(envelopeCode(evil, 'made-up action'), 'InvalidAction');

  const { text, samples } = await scrape(server.metricsPort);
  const count = (labels) => metricSum(samples, 'atrium_entry_requests_total', labels);
  assert.equal(count({ outcome: 'success', cause: 'none' }), 2);
  assert.equal(count({ outcome: 'failure', cause: 'client' }), 1);
  assert.equal(count({ outcome: 'failure', cause: 'service' }), 1);
  assert.equal(metricSum(samples, 'atrium_api_requests_total', { action: 'DescribeRoomInfo', code: 'ok' }), 1);
  assert.equal(metricSum(samples, 'atrium_api_requests_total', { action: 'unknown', code: 'InvalidAction' }), 1);
  assert.equal(metricSum(samples, 'atrium_rooms'), 1);
  assert.equal(metricSum(samples, 'atrium_participants'), 2);
  assert.ok(metricSum(samples, 'atrium_signaling_connections') >= 2);
  assert.ok(metricSum(samples, 'atrium_http_connections', { listener: 'metrics' }) >= 1);
  assert.ok(metricSum(samples, 'atrium_callback_queue_depth') >= 0);
  assert.ok(samples.some((s) => s.name === 'atrium_callback_queue_depth'), 'the queue depth is read from the store');

  for (const secret of [alice, bob, carol, mallory, String(roomId), evilAction, '127.0.0.1', app.secretKey, key.secretId])
    assert.ok(!text.includes(secret), `the exposition contains ${secret}`);
  // Every label value comes from a fixed vocabulary: nothing but names, codes and small numbers.
  for (const s of samples)
    for (const [k, v] of Object.entries(s.labels))
      assert.match(v, /^([A-Za-z_.]+|[0-9]{1,3}|\+Inf|[0-9.]+)$/, `${s.name}{${k}="${v}"}`);
});

test('rate-limited API calls and entries are counted per endpoint', { timeout: 30000 }, async () => {
  const limited = await startServer({
    'metrics.port': await freePort(), 'api.requests_per_second': 0.01, 'api.burst': 1,
    'signal.entries_per_ip_per_second': 0.01, 'signal.entry_burst_per_ip': 1,
  });
  try {
    const app = await createApp(limited);
    const key = await createApiKey(limited, app);
    const codes = [];
    for (let i = 0; i < 3; ++i)
      codes.push(envelopeCode(await rawApiRequest(limited, { action: 'DescribeRoomInfo', key, body: roomInfo(app) })));
    assert.deepEqual(codes, [undefined, 'RequestLimitExceeded', 'RequestLimitExceeded']);
    const roomId = newRoomId();
    await (await connectClient(limited, 'first')).enterOk(app, newUserId('metrics_first'), { roomId });
    const second = await (await connectClient(limited, 'second')).enter(app, newUserId('metrics_second'), { roomId });
    assert.equal(second.error?.code, ERR.RATE_LIMITED, JSON.stringify(second));
    const { samples } = await scrape(limited.metricsPort);
    assert.equal(metricSum(samples, 'atrium_rate_limited_total', { endpoint: 'signaling' }), 1);
    assert.equal(metricSum(samples, 'atrium_rate_limited_total', { endpoint: 'api' }), 2);
    assert.equal(metricSum(samples, 'atrium_api_requests_total', { action: 'DescribeRoomInfo', code: 'RequestLimitExceeded' }), 2);
  } finally {
    await limited.stop();
  }
});

test('/readyz turns 503 once shutdown begins', { timeout: 30000 }, async () => {
  const s = await startServer({ 'metrics.port': await freePort() });
  try {
    assert.equal((await httpGet(s.metricsPort, '/readyz')).status, 200);
    s.child.kill('SIGTERM');
    // The control loop keeps serving for ~300 ms while signaling connections close.
    let status = null;
    for (let i = 0; i < 20 && status !== 503; ++i) {
      try { status = (await httpGet(s.metricsPort, '/readyz', { timeoutMs: 1000 })).status; } catch { break; }
      if (status !== 503) await sleep(5);
    }
    assert.equal(status, 503);
  } finally {
    await s.stop();
  }
});

test('off loopback the metrics endpoint is HTTPS only (R6)', { timeout: 30000 }, async () => {
  const s = await startServer({ 'metrics.address': '0.0.0.0', 'metrics.port': await freePort() });
  try {
    const res = await new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: s.metricsPort, path: '/healthz', ca: s.ca, timeout: 5000 }, (r) => {
        let body = '';
        r.on('data', (c) => { body += c; });
        r.on('end', () => resolve({ status: r.statusCode, body }));
      }).on('error', reject);
    });
    assert.deepEqual(res, { status: 200, body: 'ok\n' });
    await assert.rejects(httpGet(s.metricsPort, '/healthz', { timeoutMs: 2000 }), 'plain HTTP is not served');
  } finally {
    await s.stop();
  }
});

test('metrics.port=0 turns the listener off', async () => {
  const s = await startServer({ 'metrics.port': 0 });
  try {
    assert.equal(s.ready.metrics, undefined);
  } finally {
    await s.stop();
  }
});
