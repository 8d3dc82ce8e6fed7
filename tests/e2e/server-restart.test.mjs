// A call survives its server's crash and restart (issue 10, single node): after `kill -9` (or a
// graceful SIGTERM, as an upgrade does) and a restart on the same data, ports and certificate, the Web SDK finds its session gone, enters the
// room again by itself, publishes what it published on a new connection and watches again what
// it watched — no action of the app or the user — and tells the app RECONNECTING → RECONNECTED.
import { describe, test, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freePort } from '../integration/lib/harness.mjs';
import { closeAllBrowsers, evaluate } from './lib/browser.mjs';
import { e2eSkipReason } from './lib/suite.mjs';
import { sdkPairInRoom, sdkWaitEvent, sdkEvents } from './lib/sdk-page.mjs';
import { watch, publishCamera } from './lib/media-stats.mjs';

const skip = e2eSkipReason();

// Frames decoded over the inbound video of the client's current subscribing connection.
const framesDecoded = (p) => evaluate(p.page, async () => {
  const pc = window.__client.getPeerConnections().subscriber;
  let frames = 0;
  if (pc) for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
  return frames;
}, undefined, { what: 'frames decoded' });

async function waitFor(pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await pred();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} not within ${timeoutMs} ms`);
}

describe('a call across a server crash and restart, in Chromium', { skip }, () => {
  let server;
  afterEach(async () => {
    await closeAllBrowsers();
    await server?.stop();
    server = null;
  });
  after(async () => {
    await closeAllBrowsers();
    await server?.stop();
    setTimeout(() => process.exit(), 3000).unref();
  });

  for (const [how, stop] of [
    ['kill -9', (srv) => srv.child.kill('SIGKILL')],
    ['SIGTERM (an upgrade)', (srv) => srv.stop({ keep: true })],
  ])
  test(`${how}, restart: both users are back in the call and video plays again by itself`, { timeout: 150000 }, async (t) => {
    // Fixed ports: a restarted server must be where the clients left it.
    const flags = { 'media.workers': 1, 'signal.port': await freePort(), 'media.port': await freePort() };
    server = await startServer(flags);
    const { a, b } = await sdkPairInRoom(server);
    await publishCamera(a, { audio: true });
    await sdkWaitEvent(b, 'remote-video-available', '(d) => d.userId === "alice"', 10000);
    await watch(b, 'alice');
    await waitFor(async () => (await framesDecoded(b)) >= 10, 20000, 'bob decodes alice');
    const oldPc = await evaluate(b.page, () => { window.__oldSub = window.__client.getPeerConnections().subscriber; return true; });
    assert.ok(oldPc);

    const killedAt = Date.now();
    await stop(server);
    await waitFor(() => !server.isRunning(), 10000, 'atriumd to exit');
    await sdkWaitEvent(b, 'connection-state-changed', '(d) => d.state === "RECONNECTING"', 10000);
    server = await startServer(flags, { dir: server.dir });
    const restartedAt = Date.now();

    for (const p of [a, b]) await sdkWaitEvent(p, 'connection-state-changed', '(d) => d.state === "RECONNECTED"', 30000);
    const reentered = Date.now();
    // bob watches alice again on a new subscribing connection.
    await waitFor(() => evaluate(b.page, () => {
      const pc = window.__client.getPeerConnections().subscriber;
      return !!pc && pc !== window.__oldSub;
    }), 20000, 'a new subscribing connection');
    await waitFor(async () => (await framesDecoded(b)) >= 10, 20000, 'bob decodes alice after the restart');
    const videoBack = Date.now();
    t.diagnostic(`server down ${restartedAt - killedAt} ms (restart included); both re-entered ${reentered - restartedAt} ms after ` +
      `it was ready; bob's video back ${videoBack - restartedAt} ms after it was ready`);

    for (const p of [a, b]) {
      const events = await sdkEvents(p);
      assert.deepEqual(events.filter((e) => e.event === 'error'), [], 'no error reaches the app');
      const states = events.filter((e) => e.event === 'connection-state-changed').map((e) => e.data.state);
      assert.deepEqual(states, ['CONNECTING', 'CONNECTED', 'RECONNECTING', 'RECONNECTED', 'CONNECTED']);
    }
    // alice publishes on a new connection that is connected; bob's tile shows alice's video.
    assert.equal(await evaluate(a.page, () => window.__client.getPeerConnections().publisher?.connectionState), 'connected');
    assert.ok(await evaluate(b.page, () => document.querySelector('#remote-alice video')?.srcObject?.getVideoTracks()[0]?.readyState === 'live'),
      "bob's view of alice shows a live track");
  });
});
