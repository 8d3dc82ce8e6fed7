// Cheap denial-of-service attacks on every listener (issue 15, R18), each bounded in count and
// time, on loopback only: the attacker spreads over 127.0.0.0/8 source addresses (all of them
// reach lo) to get past the per-address caps, and the tests assert that a legitimate client
// still gets through *during* the attack, and that the listener counts what it shed.
// Figures (rates, latencies, RSS) are reported as diagnostics, never asserted as performance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import {
  startServer, createApp, createApiKey, connectClient, closeAllClients, newRoomId, freePort, sleep,
} from './lib/harness.mjs';
import { rawApiRequest, envelopeCode } from './lib/trtc-api.mjs';
import { scrape, metricSum } from './lib/metrics.mjs';

const T = { timeout: 120000 };

// An attacker that keeps `perAddress` idle TCP connections open from each of `addresses` source
// addresses (127.0.1.x), reconnecting whenever the server closes one, until stop(). `onConnect`
// may write something (a partial ClientHello, a garbage line) on each new socket.
function idleFlood(port, { addresses, perAddress, onConnect = () => {}, reconnectDelayMs = 20 }) {
  const sockets = new Set();
  let stopped = false;
  let opened = 0, closedByServer = 0;
  const open = (local) => {
    if (stopped) return;
    const s = net.connect({ host: '127.0.0.1', port, localAddress: local });
    sockets.add(s);
    ++opened;
    s.on('connect', () => onConnect(s));
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => {
      sockets.delete(s);
      if (stopped) return;
      ++closedByServer;
      setTimeout(() => open(local), reconnectDelayMs);
    });
  };
  for (let a = 0; a < addresses; a++)
    for (let i = 0; i < perAddress; i++) open(`127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`);
  return {
    get opened() { return opened; },
    get closedByServer() { return closedByServer; },
    get open() { return sockets.size; },
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

// The first bytes of a TLS record that announces a 512-byte ClientHello: enough for the server to
// set up its TLS state, never enough to finish.
const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

// utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux).
const cpuSeconds = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

// One TLS connection that sends `bytes` after the handshake and collects what comes back.
function tlsExchange(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => s.write(bytes));
    let text = '';
    const t0 = Date.now();
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no close within ${timeoutMs} ms: ${text}`)); }, timeoutMs);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => { clearTimeout(timer); resolve({ text, ms: Date.now() - t0 }); });
  });
}

test('API listener: an idle-connection flood from 40 addresses does not stop API calls', T, async (t) => {
  const server = await startServer({ 'metrics.port': await freePort() });
  try {
    const app = await createApp(server);
    const key = await createApiKey(server, app);
    const call = async () => {
      const t0 = Date.now();
      const res = await rawApiRequest(server, {
        action: 'DescribeScaleInfo', key, body: { SdkAppId: app.sdkAppId, StartTime: Math.floor(Date.now() / 1000) - 60, EndTime: Math.floor(Date.now() / 1000) },
      });
      assert.equal(res.status, 200);
      assert.equal(envelopeCode(res, 'DescribeScaleInfo during the flood'), undefined);
      return Date.now() - t0;
    };
    await call();
    // 40 addresses x 10 = 400 idle connections against 256 pending slots (16 per address).
    const flood = idleFlood(server.apiPort, { addresses: 40, perAddress: 10 });
    await sleep(1000);
    const cpu0 = cpuSeconds(server.child.pid), opened0 = flood.opened, t0 = Date.now();
    const latencies = [];
    const until = Date.now() + 6000;
    // Below the API's own rate limit (20/s per SecretId and action).
    while (Date.now() < until) {
      latencies.push(await call());
      await sleep(100);
    }
    const floodRate = (flood.opened - opened0) / ((Date.now() - t0) / 1000);
    const cpu = (cpuSeconds(server.child.pid) - cpu0) / ((Date.now() - t0) / 1000);
    flood.stop();
    t.diagnostic(`flood: ${floodRate.toFixed(0)} new connections/s absorbed, atriumd CPU ${(cpu * 100).toFixed(0)} % of a core`);
    const { samples } = await scrape(server.metricsPort);
    const evicted = metricSum(samples, 'atrium_http_connections_closed_total', { listener: 'api', reason: 'evicted' });
    const timedOut = metricSum(samples, 'atrium_http_connections_closed_total', { listener: 'api', reason: 'tls_handshake_timeout' });
    t.diagnostic(`${latencies.length} API calls during the flood, p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms; ` +
                 `flood opened ${flood.opened}, server closed ${flood.closedByServer} (evicted ${evicted}, TLS timeout ${timedOut})`);
    assert.ok(latencies.length >= 5, 'API calls kept answering');
    assert.ok(evicted > 0, 'the full pending budget evicted the oldest connections');
    assert.ok(server.isRunning());
  } finally {
    await server.stop();
  }
});

test('signaling: idle and half-open TLS flood from 40 addresses; enterRoom succeeds during it', T, async (t) => {
  const server = await startServer({ 'metrics.port': await freePort(), 'signal.max_pending_connections': 512 });
  try {
    const app = await createApp(server);
    const flood = idleFlood(server.port, {
      addresses: 40, perAddress: 20, onConnect: (s) => { if (Math.random() < 0.5) s.write(PARTIAL_CLIENT_HELLO); },
    });
    await sleep(1000);
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const c = await connectClient(server, `legit${i}`);
      await c.enterOk(app, `legit_user_${i}`, { roomId: newRoomId() });
      times.push(Date.now() - t0);
      await c.close();
    }
    flood.stop();
    await closeAllClients();
    const { samples } = await scrape(server.metricsPort);
    const evicted = metricSum(samples, 'atrium_http_connections_closed_total', { listener: 'signal', reason: 'evicted' });
    t.diagnostic(`enterRoom during the flood: ${times.join(', ')} ms; flood opened ${flood.opened}, evicted ${evicted}`);
    assert.ok(evicted > 0);
  } finally {
    await server.stop();
  }
});

test('signaling: idle upgraded WebSockets fill the budget; a client that enters a room is never evicted', T, async (t) => {
  const server = await startServer({ 'metrics.port': await freePort(), 'signal.max_connections': 40 });
  try {
    const app = await createApp(server);
    const member = await connectClient(server, 'member');
    await member.enterOk(app, 'member_user', { roomId: newRoomId() });
    // 12 addresses x 5 idle WebSockets (upgraded, never entering), reconnecting when closed.
    const sockets = new Set();
    let stopped = false, opened = 0;
    const open = (local) => {
      if (stopped) return;
      const ws = new WebSocket(server.url, { rejectUnauthorized: false, localAddress: local });
      ++opened;
      sockets.add(ws);
      ws.on('error', () => {});
      ws.on('close', () => { sockets.delete(ws); setTimeout(() => open(local), 50); });
    };
    for (let a = 0; a < 12; a++) for (let i = 0; i < 5; i++) open(`127.0.5.${1 + a}`);
    await sleep(1500);
    const times = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const c = await connectClient(server, `legit${i}`);
      await c.enterOk(app, `legit_ws_${i}`, { roomId: newRoomId() });
      times.push(Date.now() - t0);
    }
    await sleep(1000);
    await member.ok('heartbeat');
    assert.equal(member.closed, null, 'a client in a room is never evicted');
    stopped = true;
    for (const ws of sockets) ws.terminate();
    const { samples } = await scrape(server.metricsPort);
    const evicted = metricSum(samples, 'atrium_http_connections_closed_total', { listener: 'signal', reason: 'evicted' });
    t.diagnostic(`enterRoom while idle WebSockets fill the budget: ${times.join(', ')} ms; ${opened} idle upgrades, ${evicted} evicted`);
    assert.ok(evicted > 0);
    await closeAllClients();
  } finally {
    await server.stop();
  }
});

test('garbage and silence: 400 for FOO BAR BAZ at once, short deadlines before the first request', T, async () => {
  const server = await startServer({ 'metrics.port': await freePort(), 'server.tls_handshake_timeout_ms': 1000, 'server.header_timeout_ms': 1000 });
  try {
    for (const port of [server.port, server.apiPort]) {
      const garbage = await tlsExchange(port, 'FOO BAR BAZ\r\n\r\n');
      assert.match(garbage.text, /^HTTP\/1\.1 400 /, `port ${port}: ${garbage.text}`);
      assert.ok(garbage.ms < 900, `answered before any deadline (${garbage.ms} ms)`);
      // TLS done, then nothing: closed by the header deadline, without an answer.
      const silent = await tlsExchange(port, '');
      assert.equal(silent.text, '');
      assert.ok(silent.ms >= 800 && silent.ms < 4000, `closed after ${silent.ms} ms`);
      // No ClientHello at all: closed by the TLS handshake deadline.
      const t0 = Date.now();
      await new Promise((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => {});
        s.on('error', () => {});
        s.on('close', resolve);
      });
      assert.ok(Date.now() - t0 < 4000, `closed after ${Date.now() - t0} ms`);
    }
    const { samples } = await scrape(server.metricsPort);
    for (const listener of ['signal', 'api']) {
      assert.equal(metricSum(samples, 'atrium_http_connections_closed_total', { listener, reason: 'bad_request' }), 1, listener);
      assert.equal(metricSum(samples, 'atrium_http_connections_closed_total', { listener, reason: 'header_timeout' }), 1, listener);
      assert.equal(metricSum(samples, 'atrium_http_connections_closed_total', { listener, reason: 'tls_handshake_timeout' }), 1, listener);
    }
    // The log names the masked source prefix, once per minute at most.
    const log = fs.readFileSync(server.logPath, 'utf8');
    assert.match(log, /signal listener: malformed HTTP request from 127\.0\.0\.\*/);
    assert.doesNotMatch(log, /from 127\.0\.0\.1/);
  } finally {
    await server.stop();
  }
});

test('API body limit: InvalidRequest on both sides of it, whatever the size', T, async () => {
  const server = await startServer({ 'api.max_body_bytes': 4096 });
  try {
    const app = await createApp(server);
    const key = await createApiKey(server, app);
    const body = (n) => {
      const base = JSON.stringify({ SdkAppId: app.sdkAppId, RoomId: 1, Pad: '' });
      return base.replace('"Pad":""', `"Pad":"${'x'.repeat(n - base.length)}"`);
    };
    assert.equal(body(4096).length, 4096);
    const at = await rawApiRequest(server, { action: 'DismissRoom', key, body: body(4096) });
    assert.equal(at.status, 200);
    assert.notEqual(envelopeCode(at, 'at the limit'), 'InvalidRequest');
    for (const n of [4097, 8193, 300 * 1024]) {
      const over = await rawApiRequest(server, { action: 'DismissRoom', key, body: body(n) });
      assert.equal(over.status, 200, `${n} bytes: HTTP ${over.status}`);
      assert.equal(envelopeCode(over, `${n} bytes`), 'InvalidRequest');
    }
  } finally {
    await server.stop();
  }
});

test('ICE-TCP: an idle flood is refused per address and evicted from the full port', T, async (t) => {
  const mediaPort = await freePort();
  const server = await startServer({
    'metrics.port': await freePort(), 'media.workers': 1, 'media.port': mediaPort, 'media.tcp_port': 'same',
    'media.tcp_max_connections': 32,
  });
  try {
    // One address: only 8 unbound connections stay.
    const single = idleFlood(mediaPort, { addresses: 1, perAddress: 20, reconnectDelayMs: 200 });
    await sleep(1000);
    assert.ok(single.open <= 8 + 2, `one address holds ${single.open} connections`);
    single.stop();
    // Many addresses: the port stays at its cap and keeps making room.
    const many = idleFlood(mediaPort, { addresses: 20, perAddress: 4, reconnectDelayMs: 100 });
    await sleep(1500);
    // (That a newcomer which sends a valid check binds and is never evicted is covered by
    // transport_test's TcpMediaPortTest.FullPortEvictsTheOldestUnboundConnectionForANewOne.)
    many.stop();
    await sleep(300);
    const { samples } = await scrape(server.metricsPort);
    const m = (reason) => metricSum(samples, 'atrium_ice_tcp_connections_closed_total', { reason });
    t.diagnostic(`ICE-TCP closed: over_address_limit ${m('over_address_limit')}, evicted ${m('evicted')}, over_limit ${m('over_limit')}`);
    assert.ok(m('over_address_limit') > 0);
    assert.ok(m('evicted') > 0);
    assert.equal(m('over_limit'), 0, 'with unbound connections to evict, no newcomer is refused for a full port');
  } finally {
    await server.stop();
  }
});

test('memory: RSS returns after a 20 000-connection half-open TLS flood', { timeout: 240000 }, async (t) => {
  const settleMs = Number(process.env.ATRIUM_FLOOD_SETTLE_MS ?? 20000);
  const server = await startServer({});
  try {
    const app = await createApp(server);
    // Warm up: a few real sessions so the baseline includes what normal use allocates.
    for (let i = 0; i < 3; i++) {
      const c = await connectClient(server, `warm${i}`);
      await c.enterOk(app, `warm_${i}`, { roomId: newRoomId() });
      await c.close();
    }
    await sleep(500);
    const before = rssKb(server.child.pid);
    // 100 addresses, 20 000 connections in all, each sending a partial ClientHello; at most
    // ~2 000 open at once on our side.
    let made = 0, peak = before;
    const live = new Set();
    const total = 20000;
    while (made < total) {
      while (live.size < 2000 && made < total) {
        const a = made % 100;
        const s = net.connect({ host: '127.0.0.1', port: server.port, localAddress: `127.0.3.${1 + a}` });
        ++made;
        live.add(s);
        s.on('connect', () => s.write(PARTIAL_CLIENT_HELLO));
        s.on('error', () => {});
        s.on('close', () => live.delete(s));
        // The attacker lets go after a while (or the server's deadline closes it first).
        setTimeout(() => s.destroy(), 3000);
      }
      await sleep(20);
      peak = Math.max(peak, rssKb(server.child.pid));
    }
    while (live.size) { await sleep(100); peak = Math.max(peak, rssKb(server.child.pid)); }
    await sleep(settleMs);
    const after = rssKb(server.child.pid);
    t.diagnostic(`RSS before ${before} KB, peak ${peak} KB, ${settleMs / 1000} s after ${after} KB (${(after / before).toFixed(2)}x)`);
    assert.ok(after <= 1.5 * before, `RSS after the flood ${after} KB > 1.5 x ${before} KB`);
    // Still serving.
    const c = await connectClient(server, 'after');
    await c.enterOk(app, 'after_flood', { roomId: newRoomId() });
    await closeAllClients();
  } finally {
    await server.stop();
  }
});
