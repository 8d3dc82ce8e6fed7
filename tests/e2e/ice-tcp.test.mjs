// ICE-TCP end to end (RFC 6544 passive candidate): with the UDP candidate left out of the
// server's SDP (media.udp_candidates=false, a diagnostic setting), Chromium can only reach the
// SFU over TCP. Two users publish and each decodes the other's video; getStats() shows the
// selected pair's local candidate on TCP. With both candidates announced, Chromium prefers UDP
// (the TCP candidate's lower type preference). Run inside a network namespace with only `lo`.
import { describe, test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startServer, newRoomId, freePort } from '../integration/lib/harness.mjs';
import { scrape, metricSum } from '../integration/lib/metrics.mjs';
import { closeAllBrowsers, browserAvailable, CHROMIUM } from './lib/browser.mjs';
import { sdkPage, sdkEnter, sdkWaitEvent } from './lib/sdk-page.mjs';
import { publishCamera, selectedPair, waitDecoding, watch } from './lib/media-stats.mjs';

const ifaces = Object.keys(os.networkInterfaces());
const skip = !browserAvailable() ? `${CHROMIUM} is not installed`
  : ifaces.some((i) => i !== 'lo') ? 'not in an isolated network namespace; run through e2e/run-in-netns.sh' : false;
const T = { timeout: 90000 };

const servers = [];
async function server(flags) {
  const s = await startServer({ 'media.workers': 1, ...flags });
  servers.push(s);
  return s;
}

async function pairOf(p, which) {
  const deadline = Date.now() + 10000;
  let pair = null;
  while (Date.now() < deadline) {
    pair = await selectedPair(p, which);
    if (pair?.local?.protocol) return pair;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${which}: no selected candidate pair: ${JSON.stringify(pair)}`);
}

describe('ICE-TCP in Chromium', { skip }, () => {
  after(async () => {
    await closeAllBrowsers();
    for (const s of servers) await s.stop();
    setTimeout(() => process.exit(), 3000).unref();
  });
  afterEach(() => closeAllBrowsers());

  test('with only the TCP candidate, two users decode each other over ICE-TCP', T, async (t) => {
    const metricsPort = await freePort();
    const srv = await server({ 'media.udp_candidates': 'false', 'metrics.port': metricsPort });
    const roomId = newRoomId();
    const a = await sdkPage('alice', { srv });
    const b = await sdkPage('bob', { srv });
    const t0 = Date.now();
    await sdkEnter(a, 'alice', roomId);
    await sdkEnter(b, 'bob', roomId);
    await publishCamera(a);
    await publishCamera(b);
    await sdkWaitEvent(a, 'remote-video-available', '(d) => d.userId === "bob"', 10000);
    await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "alice"', 10000);
    const subscribeAt = Date.now();
    await watch(a, 'bob');
    await watch(b, 'alice');
    await waitDecoding(a, 1, 20000);
    const firstFrameMs = Date.now() - subscribeAt;
    await waitDecoding(b, 1, 20000);
    const bothMs = Date.now() - subscribeAt;
    t.diagnostic(`over ICE-TCP: subscribe -> first decoded frame ${firstFrameMs} ms (alice), ${bothMs} ms (both); enterRoom -> both decoding ${Date.now() - t0} ms`);
    const va = await waitDecoding(a, 30, 20000);
    const vb = await waitDecoding(b, 30, 20000);
    t.diagnostic(`alice decodes bob: ${JSON.stringify(va)}; bob decodes alice: ${JSON.stringify(vb)}`);

    for (const [p, name] of [[a, 'alice'], [b, 'bob']]) {
      for (const which of ['publisher', 'subscriber']) {
        const pair = await pairOf(p, which);
        t.diagnostic(`${name} ${which}: ${JSON.stringify(pair)}`);
        assert.equal(pair.local.protocol, 'tcp', `${name} ${which} local candidate`);
        assert.equal(pair.remote.protocol, 'tcp', `${name} ${which} remote candidate`);
        assert.equal(pair.remote.tcpType, 'passive');
      }
    }
    // Frames keep coming over TCP.
    const later = await waitDecoding(a, va.framesDecoded + 20, 10000);
    assert.ok(later.framesDecoded > va.framesDecoded);
    const { samples } = await scrape(metricsPort);
    const m = (name, labels) => metricSum(samples, name, labels);
    t.diagnostic(`metrics: forwarded ${m('atrium_media_packets_forwarded_total')}, ICE-TCP connections ${m('atrium_ice_tcp_connections')}, `
      + `TCP send drops ${m('atrium_media_packets_dropped_total', { reason: 'send_buffer_full' })}`);
    assert.ok(m('atrium_media_packets_forwarded_total') > 100);
    // Two clients, a publishing and a subscribing peer connection each: four connections.
    assert.ok(m('atrium_ice_tcp_connections') >= 4, 'every peer connection is on TCP');
    assert.equal(m('atrium_ice_tcp_connections_closed_total', { reason: 'malformed' }), 0);
  });

  test('with both candidates Chromium prefers UDP', T, async (t) => {
    const srv = await server({});
    const roomId = newRoomId();
    const a = await sdkPage('caster', { srv });
    const b = await sdkPage('viewer', { srv });
    await sdkEnter(a, 'caster', roomId);
    await sdkEnter(b, 'viewer', roomId);
    await publishCamera(a, { audio: false });
    await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "caster"', 10000);
    await watch(b, 'caster');
    await waitDecoding(b, 10, 20000);
    const pub = await pairOf(a, 'publisher');
    const sub = await pairOf(b, 'subscriber');
    t.diagnostic(JSON.stringify({ publisher: pub, subscriber: sub }));
    assert.equal(pub.local.protocol, 'udp');
    assert.equal(sub.local.protocol, 'udp');
  });
});
