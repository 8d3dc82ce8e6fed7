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
        nackCount: s.nackCount ?? 0, packetsLost: s.packetsLost ?? 0, packetsReceived: s.packetsReceived ?? 0,
        freezeCount: s.freezeCount ?? 0, totalFreezesDuration: s.totalFreezesDuration ?? 0,
        retransmittedPacketsReceived: s.retransmittedPacketsReceived ?? 0 };
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

// Publishes camera (and microphone unless audio is false) with a local preview.
export async function publishCamera(p, { profile = '360p', audio = true } = {}) {
  await evaluate(p.page, async ({ profile, audio }) => {
    const view = document.createElement('div');
    view.id = 'local';
    document.body.appendChild(view);
    if (audio) await window.__client.startLocalAudio();
    await window.__client.startLocalVideo({ view: 'local', option: { profile } });
  }, { profile, audio }, { what: 'start local audio and video', timeoutMs: 20000 });
}

// The selected ICE candidate pair of a client's peer connection ('publisher' or 'subscriber'),
// as the browser reports it: { local: {protocol, candidateType, tcpType, address, port}, remote: {...} }.
export const selectedPair = (p, which) => evaluate(p.page, async (which) => {
  const pc = window.__client.getPeerConnections()[which];
  if (!pc) return null;
  const stats = await pc.getStats();
  let pair = null;
  for (const s of stats.values()) if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  if (!pair) return null;
  const pick = (c) => c && { protocol: c.protocol, candidateType: c.candidateType, tcpType: c.tcpType, address: c.address, port: c.port };
  return { state: pair.state, local: pick(stats.get(pair.localCandidateId)), remote: pick(stats.get(pair.remoteCandidateId)) };
}, which, { what: `selected candidate pair of ${which}` });
