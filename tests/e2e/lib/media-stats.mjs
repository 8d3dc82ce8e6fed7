// Media helpers shared by the browser e2e tests: what a client's peer connections report
// (getStats) and the SDK calls that start publishing and watching.
import assert from 'node:assert/strict';
import { evaluate } from './browser.mjs';

// Inbound video of the subscriber connection (the first, or the one of trackIdentifier `track`).
export const inboundVideo = (p) => evaluate(p.page, async () => {
  const pc = window.__client.getPeerConnections().subscriber;
  if (!pc) return null;
  for (const s of (await pc.getStats()).values())
    if (s.type === 'inbound-rtp' && s.kind === 'video')
      return { framesDecoded: s.framesDecoded ?? 0, frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0,
        nackCount: s.nackCount ?? 0, packetsLost: s.packetsLost ?? 0, freezeCount: s.freezeCount ?? 0 };
  return null;
}, undefined, { what: 'inbound video stats' });

// Polls inboundVideo until pred holds; fails with the last stats after timeoutMs.
export async function waitVideo(p, pred, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await inboundVideo(p);
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what} not within ${timeoutMs} ms: ${JSON.stringify(last)}`);
}

export const waitDecoding = (p, minFrames, timeoutMs) =>
  waitVideo(p, (v) => v.framesDecoded >= minFrames, timeoutMs, `${minFrames} frames decoded`);

// Shows remote main video of `userId` in a new container; option as startRemoteVideo takes it.
export async function watch(p, userId, option = {}) {
  await evaluate(p.page, async ({ userId, option }) => {
    const view = document.createElement('div');
    view.id = 'remote-' + userId;
    document.body.appendChild(view);
    await window.__client.startRemoteVideo({ userId, streamType: 'main', view: view.id, option });
  }, { userId, option }, { what: `startRemoteVideo ${userId}`, timeoutMs: 20000 });
}
