// Quality statistics of the Web SDK (R10): every 2 s it reads getStats() of both peer
// connections, turns the counters into rates over the interval, and
//  - reports them to the server with TRTC's metric names (docs/protocol.md `quality`): the
//    client's own upstream and device metrics, and one entry per remote user it receives;
//  - emits the TRTC v5 `statistics` and `network-quality` events from the same numbers.
// A browser exposes no CPU figures, so appCpu/sysCpu are never reported from the web.

// Every metric name this SDK may report (the privacy manifest test checks it against the data
// categories the manifest declares).
export const REPORTED_METRICS = Object.freeze([
  'aBit', 'aBlock', 'aLoss', 'aCapEnergy', 'aPlayEnergy', 'rtt',
  'bigvBit', 'bigvCapFps', 'bigvEncFps', 'bigvDecFps', 'bigvRecFps', 'bigvBlock', 'bigvLoss', 'bigvWidth', 'bigvHeight',
]);

export const STATS_INTERVAL_MS = 2000;

const round = (v, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;
const clampPercent = (v) => Math.max(0, Math.min(100, v));

// TRTC's 0..6 scale: 0 unknown, 1 excellent … 6 down. Loss in percent, RTT in ms.
export function networkQuality(lossPercent, rttMs) {
  if (lossPercent === undefined && rttMs === undefined) return 0;
  const loss = lossPercent ?? 0, rtt = rttMs ?? 0;
  if (loss > 50) return 6;
  if (loss > 30 || rtt > 1000) return 5;
  if (loss > 15 || rtt > 600) return 4;
  if (loss > 8 || rtt > 350) return 3;
  if (loss > 3 || rtt > 150) return 2;
  return 1;
}

// Rates from two snapshots of one stats object.
function perSecond(now, before, field, dtSec) {
  if (!before || now[field] === undefined || before[field] === undefined || dtSec <= 0) return undefined;
  return Math.max(0, (now[field] - before[field]) / dtSec);
}

function lossPercent(now, before) {
  if (!before) return undefined;
  const lost = (now.packetsLost ?? 0) - (before.packetsLost ?? 0);
  const got = (now.packetsReceived ?? 0) - (before.packetsReceived ?? 0);
  return lost + got > 0 ? clampPercent((100 * Math.max(0, lost)) / (lost + got)) : 0;
}

function selectedRttMs(report) {
  for (const s of report.values())
    if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime !== undefined) return s.currentRoundTripTime * 1000;
  return undefined;
}

// Drops undefined values and rounds, so the report carries only what was measured.
function clean(metrics) {
  const out = {};
  for (const [k, v] of Object.entries(metrics)) if (v !== undefined && Number.isFinite(v)) out[k] = round(v, 1);
  return out;
}

export class StatsCollector {
  /**
   * @param {() => {publisher: RTCPeerConnection|null, subscriber: RTCPeerConnection|null}} pcs
   * @param {(mid: string) => ({userId: string, stream: string}|undefined)} remoteOfMid
   * @param {() => (string|undefined)} mainMid the mid of the local camera's transceiver
   */
  constructor(pcs, remoteOfMid, mainMid) {
    this._pcs = pcs;
    this._remoteOfMid = remoteOfMid;
    this._mainMid = mainMid;
    this._prev = new Map();  // stats id -> previous stats object
    this._prevAt = 0;
  }

  /** One sample: {report: {up, down}, statistics, networkQuality, volumes}. */
  async sample() {
    const { publisher, subscriber } = this._pcs();
    const at = performance.now();
    const dt = this._prevAt ? (at - this._prevAt) / 1000 : 0;
    const pub = publisher ? await publisher.getStats() : new Map();
    const sub = subscriber ? await subscriber.getStats() : new Map();
    const prev = this._prev;
    const next = new Map();
    const up = {}, down = new Map(), local = { audio: { bitrate: 0, audioLevel: 0 }, video: [] };
    let bytesSent = 0, bytesReceived = 0, upLoss, downLossSum = 0, downLossN = 0;
    const mainMid = this._mainMid();

    for (const s of pub.values()) {
      next.set(s.id, s);
      const before = prev.get(s.id);
      if (s.type === 'outbound-rtp') {
        bytesSent += s.bytesSent ?? 0;
        const bps = (perSecond(s, before, 'bytesSent', dt) ?? 0) * 8;
        if (s.kind === 'audio') {
          up.aBit = (up.aBit ?? 0) + bps;
          local.audio.bitrate = round(bps / 1000);
        } else if (s.mid === mainMid) {
          up.bigvBit = (up.bigvBit ?? 0) + bps;
          // With a small stream there is one outbound-rtp per layer: report the biggest.
          if ((s.frameWidth ?? 0) >= (up.bigvWidth ?? 0)) {
            up.bigvWidth = s.frameWidth;
            up.bigvHeight = s.frameHeight;
            up.bigvEncFps = s.framesPerSecond ?? perSecond(s, before, 'framesEncoded', dt);
          }
          local.video.push({ width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, frameRate: s.framesPerSecond ?? 0,
            bitrate: round(bps / 1000), videoType: s.rid === 'l' ? 'small' : 'big' });
        } else {
          local.video.push({ width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, frameRate: s.framesPerSecond ?? 0,
            bitrate: round(bps / 1000), videoType: 'sub' });
        }
      } else if (s.type === 'media-source') {
        if (s.kind === 'audio' && s.audioLevel !== undefined) {
          up.aCapEnergy = s.audioLevel * 100;
          local.audio.audioLevel = s.audioLevel;
        }
        if (s.kind === 'video' && s.framesPerSecond !== undefined && (up.bigvCapFps ?? 0) < s.framesPerSecond) up.bigvCapFps = s.framesPerSecond;
      } else if (s.type === 'remote-inbound-rtp') {
        // Our receiver reports: the server's view of what it got from us.
        const loss = s.fractionLost !== undefined ? clampPercent(s.fractionLost * 100) : undefined;
        if (loss !== undefined) {
          if (s.kind === 'audio') up.aLoss = loss; else up.bigvLoss = Math.max(up.bigvLoss ?? 0, loss);
          upLoss = Math.max(upLoss ?? 0, loss);
        }
      }
    }
    const upRtt = selectedRttMs(pub);
    if (upRtt !== undefined) up.rtt = upRtt;

    for (const s of sub.values()) {
      next.set(s.id, s);
      if (s.type !== 'inbound-rtp') continue;
      const before = prev.get(s.id);
      bytesReceived += s.bytesReceived ?? 0;
      const who = this._remoteOfMid(s.mid);
      if (!who) continue;
      const m = down.get(who.userId) ?? { metrics: {}, audio: { bitrate: 0, audioLevel: 0 }, video: [] };
      down.set(who.userId, m);
      const bps = (perSecond(s, before, 'bytesReceived', dt) ?? 0) * 8;
      const loss = lossPercent(s, before);
      if (loss !== undefined) { downLossSum += loss; downLossN++; }
      if (s.kind === 'audio') {
        Object.assign(m.metrics, { aBit: bps, aLoss: loss, aPlayEnergy: s.audioLevel !== undefined ? s.audioLevel * 100 : undefined });
        const concealed = perSecond(s, before, 'concealedSamples', dt);
        if (concealed !== undefined) m.metrics.aBlock = (concealed / 48000) * 1000 * (dt || 0);  // ms in this interval
        m.audio = { bitrate: round(bps / 1000), audioLevel: s.audioLevel ?? 0 };
      } else if (who.stream === 'main') {
        const freezeMs = perSecond(s, before, 'totalFreezesDuration', dt);
        Object.assign(m.metrics, {
          bigvBit: bps, bigvLoss: loss, bigvWidth: s.frameWidth, bigvHeight: s.frameHeight,
          bigvDecFps: perSecond(s, before, 'framesDecoded', dt), bigvRecFps: perSecond(s, before, 'framesReceived', dt),
          bigvBlock: freezeMs !== undefined ? freezeMs * 1000 * (dt || 0) : undefined,
        });
        m.video.push({ width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, frameRate: s.framesPerSecond ?? 0,
          bitrate: round(bps / 1000), videoType: 'big' });
      } else {
        m.video.push({ width: s.frameWidth ?? 0, height: s.frameHeight ?? 0, frameRate: s.framesPerSecond ?? 0,
          bitrate: round(bps / 1000), videoType: 'sub' });
      }
    }
    const downRtt = selectedRttMs(sub);
    for (const m of down.values()) if (downRtt !== undefined) m.metrics.rtt = downRtt;

    this._prev = next;
    this._prevAt = at;
    const downLoss = downLossN ? downLossSum / downLossN : undefined;
    return {
      first: dt === 0,
      report: {
        up: clean(up),
        down: [...down.entries()].map(([userId, m]) => ({ userId, metrics: clean(m.metrics) })),
      },
      statistics: {
        rtt: round(upRtt ?? downRtt ?? 0), upLoss: round(upLoss ?? 0), downLoss: round(downLoss ?? 0), bytesSent, bytesReceived,
        localStatistics: local,
        remoteStatistics: [...down.entries()].map(([userId, m]) => ({ userId, audio: m.audio, video: m.video })),
      },
      networkQuality: {
        uplinkNetworkQuality: publisher ? networkQuality(upLoss, upRtt) : 0,
        downlinkNetworkQuality: subscriber ? networkQuality(downLoss, downRtt) : 0,
        uplinkRTT: round(upRtt ?? 0), uplinkLoss: round(upLoss ?? 0),
        downlinkRTT: round(downRtt ?? 0), downlinkLoss: round(downLoss ?? 0),
      },
    };
  }
}

// Volumes for the audio-volume event: the local microphone (userId '') and each remote user,
// 0..100, from the audioLevel the browser measures.
export async function audioVolumes(pcs, remoteOfMid) {
  const { publisher, subscriber } = pcs();
  const result = [];
  if (publisher)
    for (const s of (await publisher.getStats()).values())
      if (s.type === 'media-source' && s.kind === 'audio') result.push({ userId: '', volume: Math.round((s.audioLevel ?? 0) * 100) });
  if (subscriber)
    for (const s of (await subscriber.getStats()).values()) {
      if (s.type !== 'inbound-rtp' || s.kind !== 'audio') continue;
      const who = remoteOfMid(s.mid);
      if (who) result.push({ userId: who.userId, volume: Math.round((s.audioLevel ?? 0) * 100) });
    }
  return result;
}
