// A DTLS session under live media is neither frozen by a forged record nor lost for good when it
// dies (issue 9). 1: spoofed datagrams from the browsers' own addresses and ports (the 35-byte
// ChangeCipherSpec of the field report, and short application data) leave video flowing and
// every DTLS session connected. 2: a server-side transport killed on purpose (the
// failMediaForTest hook) is reported to its client as `media-failed`, counted, and the SDK
// builds a new connection by itself — for the publishing and for the subscribing side — until
// video plays again.
import { describe, test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { freePort } from '../integration/lib/harness.mjs';
import { scrape, metricSum } from '../integration/lib/metrics.mjs';
import { evaluate } from './lib/browser.mjs';
import { e2eSkipReason, suiteServer } from './lib/suite.mjs';
import { sdkPairInRoom, sdkWaitEvent, sdkEvents } from './lib/sdk-page.mjs';
import { watch, publishCamera, selectedPair } from './lib/media-stats.mjs';

const SPOOF_UDP = process.env.ATRIUM_SPOOF_UDP || '/work/main/build/tests/spoof_udp';
const skip = e2eSkipReason();
const metricsPort = await freePort();
let server;

// Frames decoded per inbound video stream (by SSRC) of the client's current subscribing connection.
const framesBySsrc = (p) => evaluate(p.page, async () => {
  const pc = window.__client.getPeerConnections().subscriber;
  const out = {};
  if (pc) for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp' && s.kind === 'video') out[s.ssrc] = s.framesDecoded ?? 0;
  return out;
}, undefined, { what: 'frames decoded' });

// Waits until `count` frames were decoded since `since` (a framesBySsrc result; streams and
// connections that appeared later count from 0), and returns the latest sample.
async function waitFrames(p, since, count, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last, progress = 0;
  while (Date.now() < deadline) {
    last = await framesBySsrc(p);
    progress = Object.entries(last).reduce((n, [ssrc, frames]) => n + Math.max(0, frames - (since[ssrc] ?? 0)), 0);
    if (progress >= count) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: ${progress} of ${count} frames within ${timeoutMs} ms (${JSON.stringify(last)})`);
}

async function waitUntil(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} not within ${timeoutMs} ms`);
}

const connectionStates = (p) => evaluate(p.page, () => {
  const out = {};
  for (const [name, pc] of Object.entries(window.__client.getPeerConnections())) if (pc) out[name] = pc.connectionState;
  return out;
}, undefined, { what: 'connection states' });

// Marks the client's current connections so a later call can tell whether they were replaced.
const markConnections = (p) => evaluate(p.page, () => {
  const pcs = window.__client.getPeerConnections();
  window.__marked = { publisher: pcs.publisher, subscriber: pcs.subscriber };
}, undefined, { what: 'mark connections' });
const replacedConnections = (p) => evaluate(p.page, () => {
  const pcs = window.__client.getPeerConnections();
  return { publisher: pcs.publisher !== window.__marked.publisher, subscriber: pcs.subscriber !== window.__marked.subscriber };
}, undefined, { what: 'replaced connections' });

const metric = async (name, labels) => metricSum((await scrape(server.metricsPort)).samples, name, labels);

// record header: type, DTLS 1.2, epoch 1, random sequence number, length; then a random body.
const forgedRecord = (type, length) =>
  Buffer.concat([Buffer.from([type, 0xfe, 0xfd, 0x00, 0x01]), randomBytes(6), Buffer.from([length >> 8, length & 0xff]),
    randomBytes(length)]).toString('hex');

async function spoof(from, to, hex, count) {
  await promisify(execFile)(SPOOF_UDP, [from.address, String(from.port), to.address, String(to.port), hex, String(count)]);
}

// alice publishes her camera, bob watches it; resolves once bob decodes frames.
async function call() {
  const { a, b } = await sdkPairInRoom(server);
  await publishCamera(a, { audio: false });
  await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "alice"', 10000);
  await watch(b, 'alice');
  await waitFrames(b, {}, 10, 20000, 'bob decodes alice');
  return { a, b };
}

describe('DTLS sessions under attack and failure, in Chromium', { skip }, () => {
  const suite = suiteServer({ 'metrics.port': metricsPort });
  beforeEach(() => { server = suite.server; });

  test('forged DTLS records from the browsers\' own addresses do not stop the video', { timeout: 120000 }, async (t) => {
    const { a, b } = await call();
    const pub = await selectedPair(a, 'publisher');
    const sub = await selectedPair(b, 'subscriber');
    t.diagnostic(`alice publishes over ${JSON.stringify(pub)}; bob receives over ${JSON.stringify(sub)}`);
    assert.equal(pub.local.protocol, 'udp');
    assert.equal(sub.local.protocol, 'udp');
    const droppedBefore = await metric('atrium_media_packets_dropped_total', { reason: 'dtls' });
    const before = await framesBySsrc(b);
    // The field report's datagram (CCS, epoch 1, 22 bytes: 35 in all), a short application-data
    // record, and an epoch-1 alert too short to be one, at both of alice's and bob's connections.
    const forged = [forgedRecord(20, 22), forgedRecord(23, 22), forgedRecord(21, 10)];
    assert.equal(forged[0].length / 2, 35);
    for (const hex of forged) {
      await spoof(pub.local, pub.remote, hex, 5);
      await spoof(sub.local, sub.remote, hex, 5);
    }
    // Video keeps coming without a gap worth the name: +30 frames (~1-2 s at the fake camera's
    // rate) within 10 s, on the same connections, all still connected.
    const after = await waitFrames(b, before, 30, 10000, 'frames after the forged records');
    t.diagnostic(`frames ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    await new Promise((r) => setTimeout(r, 1000));  // workers publish counters every 250 ms
    assert.deepEqual(await connectionStates(a), { publisher: 'connected' });
    assert.deepEqual(await connectionStates(b), { subscriber: 'connected' });
    assert.ok(await metric('atrium_media_packets_dropped_total', { reason: 'dtls' }) >= droppedBefore + 30,
      'every forged record was refused and counted');
    assert.equal(await metric('atrium_dtls_handshakes_total', { result: 'failed_after_connect' }), 0);
    for (const p of [a, b]) assert.deepEqual((await sdkEvents(p)).filter((e) => e.event === 'error'), []);
  });

  test('a transport that dies on the server is rebuilt by the SDK and video resumes', { timeout: 150000 }, async (t) => {
    const failedBefore = await metric('atrium_dtls_handshakes_total', { result: 'failed_after_connect' });
    // No app handler re-watches alice: the SDK plays a watched stream again when it comes back.
    const { a, b } = await call();

    // alice's publishing connection dies on the server.
    await markConnections(a);
    let t0 = Date.now();
    await evaluate(a.page, () => window.__client._request('failMediaForTest', { connection: 'publish' }), undefined,
      { what: 'failMediaForTest publish' });
    await sdkWaitEvent(b, 'remote-video-unavailable', '(d) => d.userId === "alice"', 10000);
    await waitFrames(b, await framesBySsrc(b), 30, 30000, 'bob decodes alice again');
    t.diagnostic(`publishing connection: video back ${Date.now() - t0} ms after the failure`);
    assert.deepEqual(await replacedConnections(a), { publisher: true, subscriber: false });
    assert.deepEqual(await connectionStates(a), { publisher: 'connected' });

    // bob's subscribing connection dies on the server.
    await markConnections(b);
    t0 = Date.now();
    await evaluate(b.page, () => window.__client._request('failMediaForTest', { connection: 'subscribe' }), undefined,
      { what: 'failMediaForTest subscribe' });
    await waitUntil(async () => (await replacedConnections(b)).subscriber, 15000, 'a new subscribing connection');
    await waitFrames(b, {}, 30, 30000, 'bob decodes alice on the new subscribing connection');
    t.diagnostic(`subscribing connection: video back ${Date.now() - t0} ms after the failure`);
    assert.deepEqual(await replacedConnections(b), { publisher: false, subscriber: true });

    // Visible to the operator, invisible as an error to the app.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await metric('atrium_dtls_handshakes_total', { result: 'failed_after_connect' }), failedBefore + 2);
    for (const p of [a, b]) {
      const events = await sdkEvents(p);
      assert.deepEqual(events.filter((e) => e.event === 'error'), []);
      assert.deepEqual(events.filter((e) => e.event === 'connection-state-changed').map((e) => e.data.state), ['CONNECTING', 'CONNECTED']);
    }
  });
});
