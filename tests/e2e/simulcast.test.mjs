// Small stream (simulcast) end to end: a publisher sends its camera as two layers; a subscriber
// asks for the small one, gets frames narrower than the big layer's, and switches back to the
// big one, with video decoding throughout. Run inside a network namespace with only `lo`.
import { describe, test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { newRoomId } from '../integration/lib/harness.mjs';
import { evaluate } from './lib/browser.mjs';
import { e2eSkipReason, suiteServer } from './lib/suite.mjs';
import { sdkPage, sdkEnter, sdkWaitEvent } from './lib/sdk-page.mjs';
import { waitVideo, waitDecoding, watch } from './lib/media-stats.mjs';

const skip = e2eSkipReason();
let server;  // the suite's, set by suiteServer

describe('small stream (simulcast) in Chromium', { skip }, () => {
  const suite = suiteServer();
  beforeEach(() => { server = suite.server; });

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
