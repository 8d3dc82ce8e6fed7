// A call survives its server's crash and restart (issue 10, single node): after `kill -9` (or a
// graceful SIGTERM, as an upgrade does) and a restart on the same data, ports and certificate,
// the Web SDK gets back into the room by itself — without Redis it finds its session gone and
// enters again; with sessions shared in Redis (`cluster.redis`) it resumes its session — then
// publishes what it published on a new connection and watches again what it watched, with no
// action of the app or the user, and tells the app RECONNECTING → RECONNECTED.
import { describe, test, after, afterEach } from 'node:test';
import fs from 'node:fs';
import assert from 'node:assert/strict';
import { startServer, freePort } from '../integration/lib/harness.mjs';
import { closeAllBrowsers, evaluate } from './lib/browser.mjs';
import { e2eSkipReason } from './lib/suite.mjs';
import { sdkPairInRoom, sdkWaitEvent, sdkEvents } from './lib/sdk-page.mjs';
import { watch, publishCamera } from './lib/media-stats.mjs';
import { startRedis, redisSkipReason, waitForSharedSessions } from '../integration/lib/redis.mjs';

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
  let redis;
  afterEach(async () => {
    await closeAllBrowsers();
    await server?.stop();
    server = null;
    await redis?.stop();
    redis = null;
  });
  after(async () => {
    await closeAllBrowsers();
    await server?.stop();
    await redis?.stop();
    setTimeout(() => process.exit(), 3000).unref();
  });

  const kill = (srv) => srv.child.kill('SIGKILL');
  for (const [how, stop, shared] of [
    ['kill -9', kill, false],
    ['SIGTERM (an upgrade)', (srv) => srv.stop({ keep: true }), false],
    ['kill -9 with sessions shared in Redis', kill, true],
  ])
  test(`${how}, restart: both users are back in the call and video plays again by itself`,
    { timeout: 150000, skip: shared && redisSkipReason() }, async (t) => {
    // Fixed ports: a restarted server must be where the clients left it.
    const flags = { 'media.workers': 1, 'signal.port': await freePort(), 'media.port': await freePort() };
    if (shared) {
      redis = await startRedis();
      flags['cluster.redis'] = redis.url;
    }
    server = await startServer(flags);
    const { a, b } = await sdkPairInRoom(server);
    if (shared) await waitForSharedSessions(redis, 2);
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
    t.diagnostic(`server down ${restartedAt - killedAt} ms (restart included); both back in the room ${reentered - restartedAt} ms after ` +
      `it was ready; bob's video back ${videoBack - restartedAt} ms after it was ready`);

    for (const p of [a, b]) {
      const events = await sdkEvents(p);
      assert.deepEqual(events.filter((e) => e.event === 'error'), [], 'no error reaches the app');
      const states = events.filter((e) => e.event === 'connection-state-changed').map((e) => e.data.state);
      assert.deepEqual(states, ['CONNECTING', 'CONNECTED', 'RECONNECTING', 'RECONNECTED', 'CONNECTED']);
    }
    // Shared sessions: both resumed (no new entry); without, both entered again.
    const log = fs.readFileSync(server.logPath, 'utf8');
    const restartLog = log.slice(log.lastIndexOf('signaling listening'));
    assert.equal((restartLog.match(/resumed \(session taken over\)/g) ?? []).length, shared ? 2 : 0, 'resumed sessions');
    assert.equal((restartLog.match(/ entered room /g) ?? []).length, shared ? 0 : 2, 'new entries');
    // alice publishes on a new connection that is connected; bob's tile shows alice's video.
    assert.equal(await evaluate(a.page, () => window.__client.getPeerConnections().publisher?.connectionState), 'connected');
    assert.ok(await evaluate(b.page, () => document.querySelector('#remote-alice video')?.srcObject?.getVideoTracks()[0]?.readyState === 'live'),
      "bob's view of alice shows a live track");
  });
});
