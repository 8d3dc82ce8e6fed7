// Media end to end: two browsers publish camera and microphone through atriumd's SFU and each
// decodes the other's video and hears the other's audio; a third joins late and gets a keyframe.
// Run inside a network namespace with only `lo` (ctest -L e2e does that).
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startServer, newRoomId, createApp, userSig, setCallbackUrl, freePort } from '../integration/lib/harness.mjs';
import { scrape, metricSum } from '../integration/lib/metrics.mjs';
import { selfSignedCert, CallbackReceiver } from '../integration/lib/callback-receiver.mjs';
import { closeAllBrowsers, browserAvailable, evaluate, waitInPage, CHROMIUM } from './lib/browser.mjs';
import { sdkPage, sdkEnter, sdkWaitEvent } from './lib/sdk-page.mjs';

const ifaces = Object.keys(os.networkInterfaces());
const skip = !browserAvailable() ? `${CHROMIUM} is not installed`
  : ifaces.some((i) => i !== 'lo') ? 'not in an isolated network namespace; run through e2e/run-in-netns.sh' : false;
const T = { timeout: 90000 };

let server;

// Publishes camera + microphone and shows remote video of `remote` in a container.
async function publishBoth(p) {
  await evaluate(p.page, async () => {
    const view = document.createElement('div');
    view.id = 'local';
    document.body.appendChild(view);
    await window.__client.startLocalAudio();
    await window.__client.startLocalVideo({ view: 'local', option: { profile: '360p' } });
  }, undefined, { what: 'start local audio and video', timeoutMs: 20000 });
}

async function watch(p, userId) {
  await evaluate(p.page, async (userId) => {
    const view = document.createElement('div');
    view.id = 'remote-' + userId;
    document.body.appendChild(view);
    window.__watchStart = performance.now();
    await window.__client.startRemoteVideo({ userId, streamType: 'main', view: view.id });
  }, userId, { what: `startRemoteVideo ${userId}`, timeoutMs: 20000 });
}

// Inbound video stats of the subscriber connection: framesDecoded, frameWidth, nackCount.
const inboundVideo = (p) => evaluate(p.page, async () => {
  const pc = window.__client.getPeerConnections().subscriber;
  if (!pc) return null;
  const stats = await pc.getStats();
  for (const s of stats.values()) if (s.type === 'inbound-rtp' && s.kind === 'video') return { framesDecoded: s.framesDecoded ?? 0, frameWidth: s.frameWidth ?? 0, nackCount: s.nackCount ?? 0 };
  return null;
}, undefined, { what: 'inbound video stats' });

const audioEnergy = (p) => evaluate(p.page, async () => {
  const pc = window.__client.getPeerConnections().subscriber;
  if (!pc) return 0;
  for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp' && s.kind === 'audio') return s.totalAudioEnergy ?? 0;
  return 0;
}, undefined, { what: 'inbound audio energy' });

async function waitDecoding(p, minFrames, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await inboundVideo(p);
    if (last && last.framesDecoded >= minFrames) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`video not decoding within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

// DTLS and SRTP as the browser reports them for both of a client's peer connections.
const transportStats = (p) => evaluate(p.page, async () => {
  const out = {};
  for (const [name, pc] of Object.entries(window.__client.getPeerConnections())) {
    if (!pc) continue;
    for (const s of (await pc.getStats()).values())
      if (s.type === 'transport') out[name] = { dtlsState: s.dtlsState, tlsVersion: s.tlsVersion, srtpCipher: s.srtpCipher };
  }
  return out;
}, undefined, { what: 'transport stats' });

describe('media through the SFU in Chromium', { skip }, () => {
  before(async () => { server = await startServer({ 'media.workers': 1, 'metrics.port': await freePort() }); });
  after(async () => {
    await closeAllBrowsers();
    await server?.stop();
    setTimeout(() => process.exit(), 3000).unref();
  });
  afterEach(() => closeAllBrowsers());

  test('two users publish audio+video and each decodes the other; a late third decodes quickly', T, async (t) => {
    const roomId = newRoomId();
    const a = await sdkPage('alice', { srv: server });
    const b = await sdkPage('bob', { srv: server });
    await sdkEnter(a, 'alice', roomId);
    await sdkEnter(b, 'bob', roomId);
    await publishBoth(a);
    await publishBoth(b);
    await sdkWaitEvent(a, 'remote-video-available', '(d) => d.userId === "bob"', 10000);
    await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "alice"', 10000);
    await watch(a, 'bob');
    await watch(b, 'alice');
    const va = await waitDecoding(a, 30, 20000);
    const vb = await waitDecoding(b, 30, 20000);
    t.diagnostic(`alice decodes bob: ${JSON.stringify(va)}; bob decodes alice: ${JSON.stringify(vb)}`);
    // Frames keep coming.
    const later = await waitDecoding(a, va.framesDecoded + 20, 10000);
    assert.ok(later.framesDecoded > va.framesDecoded);
    // Audio energy arrives through the <audio> element the SDK plays.
    const deadline = Date.now() + 10000;
    let energy = 0;
    while (Date.now() < deadline && energy <= 0) {
      energy = await audioEnergy(a);
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(energy > 0, 'alice hears bob');
    // R16: the media counters move during the call (workers publish them every 250 ms).
    await new Promise((r) => setTimeout(r, 500));
    const { samples } = await scrape(server.metricsPort);
    const m = (name, labels) => metricSum(samples, name, labels);
    t.diagnostic(`metrics: rtp in ${m('atrium_media_packets_total', { direction: 'in', kind: 'rtp' })}, forwarded ${m('atrium_media_packets_forwarded_total')}`);
    assert.ok(m('atrium_media_packets_total', { direction: 'in', kind: 'rtp' }) > 100);
    assert.ok(m('atrium_media_packets_total', { direction: 'out', kind: 'rtp' }) > 100);
    assert.ok(m('atrium_media_bytes_total', { direction: 'in' }) > 0);
    assert.ok(m('atrium_media_packets_forwarded_total') > 100);
    assert.ok(m('atrium_dtls_handshakes_total', { result: 'connected' }) >= 4);
    assert.equal(m('atrium_publishers'), 2);
    assert.equal(m('atrium_subscribers'), 2);

    // A late third user: join-to-first-frame, thanks to the keyframe request on subscribe.
    const c = await sdkPage('carol', { srv: server });
    const t0 = Date.now();
    await sdkEnter(c, 'carol', roomId);
    await sdkWaitEvent(c, 'remote-video-available', '(d) => d.userId === "alice"', 10000);
    const subscribeAt = Date.now();
    await watch(c, 'alice');
    await waitDecoding(c, 1, 10000);
    const firstFrameMs = Date.now() - subscribeAt;
    t.diagnostic(`carol: enterRoom -> first decoded frame ${Date.now() - t0} ms; subscribe -> first frame ${firstFrameMs} ms`);
    assert.ok(firstFrameMs < 3000, `first frame after subscribing took ${firstFrameMs} ms`);
  });

  test('screen share (sub stream) reaches a subscriber who asks for it', T, async (t) => {
    const roomId = newRoomId();
    const a = await sdkPage('presenter', { srv: server });
    const b = await sdkPage('viewer', { srv: server });
    await sdkEnter(a, 'presenter', roomId);
    await sdkEnter(b, 'viewer', roomId);
    await evaluate(a.page, () => window.__client.startScreenShare(), undefined, { what: 'startScreenShare', timeoutMs: 20000 });
    await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "presenter" && d.streamType === "sub"', 10000);
    await evaluate(b.page, async () => {
      const view = document.createElement('div');
      view.id = 'screen';
      document.body.appendChild(view);
      await window.__client.startRemoteVideo({ userId: 'presenter', streamType: 'sub', view: 'screen' });
    }, undefined, { what: 'startRemoteVideo sub', timeoutMs: 20000 });
    const v = await waitDecoding(b, 10, 20000);
    t.diagnostic(`viewer decodes the screen share: ${JSON.stringify(v)}`);
  });

  test('a user of another app with the same roomId sees no stream and cannot subscribe to one', T, async () => {
    const roomId = newRoomId();
    const a = await sdkPage('alice', { srv: server });
    await sdkEnter(a, 'alice', roomId);
    await publishBoth(a);
    const other = await createApp(server);
    const sig = userSig(other, 'mallory');
    const m = await sdkPage('mallory', { srv: server });
    await evaluate(m.page, ({ sdkAppId, sig, roomId }) => window.__client.enterRoom({ sdkAppId, userId: 'mallory', userSig: sig, roomId }),
      { sdkAppId: other.sdkAppId, sig, roomId }, { what: 'enterRoom in another app' });
    await new Promise((r) => setTimeout(r, 1500));
    const seen = await evaluate(m.page, () => window.__events.map((e) => e.event), undefined, { what: 'events' });
    assert.ok(!seen.includes('remote-user-enter') && !seen.includes('remote-video-available') && !seen.includes('remote-audio-available'),
      `events of another app leaked: ${seen}`);
    const err = await evaluate(m.page, () => window.__client.startRemoteVideo({ userId: 'alice', streamType: 'main' })
      .then(() => 'subscribed', (e) => e.serverName), undefined, { what: 'subscribe across apps' });
    assert.equal(err, 'STREAM_NOT_FOUND');
  });

  test('media callbacks: starting and stopping camera and mic send 201/203 and 202/204, signed', T, async () => {
    const cert = await selfSignedCert();
    const rx = await CallbackReceiver.start(cert);
    const own = await startServer({ 'media.workers': 1, 'callback.ca_file': cert.certPath });
    try {
      rx.key = (await setCallbackUrl(own, { sdkAppId: own.demoAppId }, rx.url)).callbackKey;
      const roomId = newRoomId();
      const a = await sdkPage('caster', { srv: own });
      await sdkEnter(a, 'caster', roomId);
      await publishBoth(a);
      const has = (type) => rx.events.some((e) => e.body.EventType === type && e.body.EventInfo.UserId === 'caster');
      const until = async (types, what) => {
        const deadline = Date.now() + 10000;
        while (Date.now() < deadline && !types.every(has)) await new Promise((r) => setTimeout(r, 100));
        assert.ok(types.every(has), `${what}: got ${JSON.stringify(rx.events.map((e) => e.body.EventType))}`);
      };
      await until([101, 103, 201, 203], 'start events');
      await evaluate(a.page, async () => { await window.__client.stopLocalVideo(); await window.__client.stopLocalAudio(); },
        undefined, { what: 'stop camera and mic' });
      await until([202, 204], 'stop events');
      for (const e of rx.events) {
        assert.equal(e.signOk, true, `Sign of event ${e.body.EventType}`);
        if (e.body.EventType >= 201) {
          assert.equal(e.body.EventGroupId, 2);
          assert.equal(e.body.EventInfo.RoomId, roomId);
        }
      }
    } finally {
      await closeAllBrowsers();
      await own.stop();
      await rx.stop();
    }
  });

  // Chrome names the ciphers as in its stats (RFC 5764 / RFC 7714 profiles).
  for (const [setting, cipher] of [['aead_aes_128_gcm', 'SRTP_AEAD_AES_128_GCM'], ['aead_aes_256_gcm', 'SRTP_AEAD_AES_256_GCM'],
    ['aes_cm_128_hmac_sha1_80', 'SRTP_AES128_CM_HMAC_SHA1_80']]) {
    test(`DTLS 1.2 and SRTP profile ${cipher} when the server offers only that one`, T, async (t) => {
      const own = await startServer({ 'media.workers': 1, 'media.srtp_profiles': setting });
      try {
        const roomId = newRoomId();
        const a = await sdkPage('pub', { srv: own });
        const b = await sdkPage('sub', { srv: own });
        await sdkEnter(a, 'pub', roomId);
        await sdkEnter(b, 'sub', roomId);
        await publishBoth(a);
        await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "pub"', 10000);
        await watch(b, 'pub');
        await waitDecoding(b, 10, 20000);
        const pubStats = await transportStats(a);
        const subStats = await transportStats(b);
        t.diagnostic(JSON.stringify({ publisher: pubStats.publisher, subscriber: subStats.subscriber }));
        for (const s of [pubStats.publisher, subStats.subscriber]) {
          assert.equal(s.dtlsState, 'connected');
          assert.equal(s.tlsVersion, 'FEFD', 'DTLS 1.2');
          assert.equal(s.srtpCipher, cipher);
        }
      } finally {
        await closeAllBrowsers();
        await own.stop();
      }
    });
  }
});
