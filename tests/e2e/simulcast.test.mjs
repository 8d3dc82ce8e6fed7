// Small stream (simulcast) end to end: a publisher sends its camera as two layers; a subscriber
// asks for the small one, gets frames narrower than the big layer's, and switches back to the
// big one, with video decoding throughout. Run inside a network namespace with only `lo`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { startServer, newRoomId } from '../integration/lib/harness.mjs';
import { closeAllBrowsers, browserAvailable, evaluate, CHROMIUM } from './lib/browser.mjs';
import { sdkPage, sdkEnter, sdkWaitEvent } from './lib/sdk-page.mjs';
import { waitVideo, waitDecoding, watch } from './lib/media-stats.mjs';

const ifaces = Object.keys(os.networkInterfaces());
const skip = !browserAvailable() ? `${CHROMIUM} is not installed`
  : ifaces.some((i) => i !== 'lo') ? 'not in an isolated network namespace; run through e2e/run-in-netns.sh' : false;

let server;

describe('small stream (simulcast) in Chromium', { skip }, () => {
  before(async () => { server = await startServer({ 'media.workers': 1 }); });
  after(async () => {
    await closeAllBrowsers();
    await server?.stop();
    setTimeout(() => process.exit(), 3000).unref();
  });

  test('a subscriber switches between the big and the small layer', { timeout: 120000 }, async (t) => {
    const roomId = newRoomId();
    const a = await sdkPage('caster', { srv: server });
    const b = await sdkPage('viewer', { srv: server });
    await sdkEnter(a, 'caster', roomId);
    await sdkEnter(b, 'viewer', roomId);
    await evaluate(a.page, async () => {
      const view = document.createElement('div');
      view.id = 'local';
      document.body.appendChild(view);
      await window.__client.startLocalVideo({ view: 'local', option: { profile: '480p', small: true } });
    }, undefined, { what: 'startLocalVideo with a small stream', timeoutMs: 20000 });
    // The publisher really sends two layers (rid l and h).
    const rids = await evaluate(a.page, () => window.__client.getPeerConnections().publisher.getSenders()
      .flatMap((s) => s.getParameters().encodings.map((e) => e.rid)), undefined, { what: 'sender encodings' });
    assert.deepEqual(rids, ['l', 'h']);
    await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "caster"', 10000);

    // Big: Chrome turns the high layer on once its bandwidth estimate allows (our transport-cc
    // feedback lets it ramp up); until then the server forwards the low layer.
    await watch(b, 'caster');
    await waitDecoding(b, 5, 20000);
    const big = await waitVideo(b, (v) => v.frameWidth >= 600, 30000, 'the big layer (640 wide)');
    t.diagnostic(`big: ${JSON.stringify(big)}`);

    await evaluate(b.page, () => window.__client.updateRemoteVideo({ userId: 'caster', streamType: 'main', option: { small: true } }),
      undefined, { what: 'updateRemoteVideo small', timeoutMs: 20000 });
    const small = await waitVideo(b, (v) => v.frameWidth > 0 && v.frameWidth < big.frameWidth && v.framesDecoded > big.framesDecoded,
      15000, 'the small layer');
    t.diagnostic(`small: ${JSON.stringify(small)}`);
    assert.ok(small.frameWidth <= 320, `small layer is ${small.frameWidth} wide`);
    // It keeps decoding on the small layer.
    const smallLater = await waitVideo(b, (v) => v.framesDecoded >= small.framesDecoded + 15, 10000, 'more small frames');
    assert.ok(smallLater.frameWidth < big.frameWidth);

    await evaluate(b.page, () => window.__client.updateRemoteVideo({ userId: 'caster', streamType: 'main', option: { small: false } }),
      undefined, { what: 'updateRemoteVideo big', timeoutMs: 20000 });
    const back = await waitVideo(b, (v) => v.frameWidth === big.frameWidth && v.framesDecoded > smallLater.framesDecoded,
      15000, 'back on the big layer');
    t.diagnostic(`back to big: ${JSON.stringify(back)}`);
  });
});
