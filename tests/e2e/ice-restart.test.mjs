// ICE restart end to end: both of a client's media connections restart ICE (what the SDK does by
// itself when a connection fails or stays disconnected, or after a resumed signaling session);
// each side gets new ICE credentials and video keeps decoding across the restart.
import { describe, test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './lib/browser.mjs';
import { e2eSkipReason, suiteServer } from './lib/suite.mjs';
import { sdkPairInRoom, sdkWaitEvent } from './lib/sdk-page.mjs';
import { waitVideo, waitDecoding, watch, publishCamera } from './lib/media-stats.mjs';

const skip = e2eSkipReason();
let server;  // the suite's, set by suiteServer

// a=ice-ufrag of each side of both connections.
const ufrags = (p) => evaluate(p.page, () => {
  const pick = (sdp) => (sdp || '').match(/a=ice-ufrag:(\S+)/)?.[1] ?? null;
  const out = {};
  for (const [name, pc] of Object.entries(window.__client.getPeerConnections()))
    if (pc) out[name] = { local: pick(pc.localDescription?.sdp), remote: pick(pc.remoteDescription?.sdp), ice: pc.iceConnectionState };
  return out;
}, undefined, { what: 'ICE ufrags' });

describe('ICE restart in Chromium', { skip }, () => {
  const suite = suiteServer();
  beforeEach(() => { server = suite.server; });

  test('both connections restart with new credentials and media keeps flowing', { timeout: 90000 }, async (t) => {
    const { a, b } = await sdkPairInRoom(server);
    await publishCamera(a, { audio: false });
    await publishCamera(b, { audio: false });
    await sdkWaitEvent(a, 'remote-video-available', '(d) => d.userId === "bob"', 10000);
    await watch(a, 'bob');
    const before = await waitDecoding(a, 10, 20000);
    const u0 = await ufrags(a);
    await evaluate(a.page, () => window.__client.restartIce(), undefined, { what: 'restartIce', timeoutMs: 20000 });
    const u1 = await ufrags(a);
    t.diagnostic(`before: ${JSON.stringify(u0)}; after: ${JSON.stringify(u1)}`);
    for (const side of ['publisher', 'subscriber']) {
      assert.notEqual(u1[side].local, u0[side].local, `${side}: the browser's credentials changed`);
      assert.notEqual(u1[side].remote, u0[side].remote, `${side}: the server's credentials changed`);
    }
    // Frames keep coming after the restart, and both connections are connected again.
    const after = await waitVideo(a, (v) => v.framesDecoded >= before.framesDecoded + 30, 20000, 'frames after the restart');
    assert.ok(after.framesDecoded > before.framesDecoded);
    const u2 = await ufrags(a);
    assert.ok(['connected', 'completed'].includes(u2.publisher.ice) && ['connected', 'completed'].includes(u2.subscriber.ice),
      JSON.stringify(u2));
    // bob still receives alice (her publishing connection restarted under him).
    await watch(b, 'alice');
    await waitDecoding(b, 10, 20000);
  });
});
