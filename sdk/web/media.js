// Media half of the Atrium Web SDK: one publishing and one subscribing RTCPeerConnection per
// client (the SFU is ICE-lite and DTLS-passive; BUNDLE and rtcp-mux always). Negotiations are
// serialized so offers and answers never cross. Protocol: docs/protocol.md "Media".

const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [] };

// A connection 'disconnected' this long (no consent responses; the network changed) is restarted
// without waiting for 'failed', which Chrome declares only after ~30 s.
const DISCONNECTED_RESTART_MS = 4000;
// Rebuilds of one connection back off from 1 s to 30 s while they keep failing, so a peer that
// can never connect (say, a server that keeps refusing) is not hammered.
const REBUILD_MIN_MS = 1000;
const REBUILD_MAX_MS = 30000;

// Keeps `pc` alive: an ICE restart when it stays disconnected (the path broke; DTLS is fine), and
// a new connection when it failed — a failed DTLS session never recovers, and an ICE restart
// does not redo DTLS (RFC 8445 §9 keeps the DTLS association).
function watchConnection(pc, { restartIce, rebuild }) {
  let timer = null;
  pc.addEventListener('iceconnectionstatechange', () => {
    clearTimeout(timer);
    if (pc.iceConnectionState === 'disconnected')
      timer = setTimeout(() => { if (pc.iceConnectionState === 'disconnected') restartIce().catch(() => {}); }, DISCONNECTED_RESTART_MS);
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'failed') rebuild().catch(() => {});
  });
}

// When the next rebuild may run: at once the first time, then doubling while rebuilt
// connections keep failing within a minute.
class RebuildBackoff {
  constructor() { this._last = 0; this._delay = 0; }
  wait() {
    const now = Date.now();
    this._delay = now - this._last > 60000 ? 0 : Math.min(Math.max(this._delay * 2, REBUILD_MIN_MS), REBUILD_MAX_MS);
    const at = Math.max(now, this._last + this._delay);
    this._last = at;
    return new Promise((r) => setTimeout(r, at - now));
  }
}

// Runs async jobs one after another.
class Queue {
  constructor() { this._tail = Promise.resolve(); }
  run(job) {
    const next = this._tail.then(job, job);
    this._tail = next.catch(() => {});
    return next;
  }
}

export class Publisher {
  /** @param {(type: string, data: object) => Promise<object>} request */
  constructor(request) {
    this._request = request;
    this._pc = null;
    this._senders = new Map();  // stream ("audio" | "main" | "sub") -> RTCRtpTransceiver
    this._queue = new Queue();
    this._backoff = new RebuildBackoff();
    this._renew = false;  // the next offer comes from a new connection (publish {reconnect})
  }

  get pc() { return this._pc; }

  /** The mid of a stream's transceiver ("audio" | "main" | "sub"), once negotiated. */
  midOf(stream) { return this._senders.get(stream)?.mid ?? undefined; }

  /**
   * @param {string} stream
   * @param {MediaStreamTrack|null} track
   * @param {RTCRtpEncodingParameters[]} [encodings] simulcast layers, lowest first (each with a rid)
   */
  setTrack(stream, track, encodings = null) {
    return this._queue.run(async () => {
      if (!this._pc) this._pc = this._newConnection();
      let t = this._senders.get(stream);
      // The number of simulcast layers is fixed when a transceiver is created: a change needs
      // a new one (the old section is stopped and the server drops its track).
      const layout = JSON.stringify((encodings || []).map((e) => e.rid));
      if (t && track && t._layout !== layout) {
        t.stop();
        this._senders.delete(stream);
        t = null;
      }
      if (t) {
        await t.sender.replaceTrack(track);
        t.direction = track ? 'sendonly' : 'inactive';
      } else if (track) {
        this._addSender(stream, track, encodings, layout);
      }
      await this._negotiate();
    });
  }

  _newConnection() {
    const pc = new RTCPeerConnection(PC_CONFIG);
    watchConnection(pc, { restartIce: () => this.restartIce(), rebuild: () => this.rebuild(pc) });
    return pc;
  }

  _addSender(stream, track, encodings, layout) {
    const init = { direction: 'sendonly' };
    if (encodings && encodings.length > 1) init.sendEncodings = encodings;
    const t = this._pc.addTransceiver(track, init);
    t._layout = layout;
    t._encodings = encodings;
    this._senders.set(stream, t);
  }

  /**
   * A new peer connection (new ICE and DTLS) sending the same tracks: when this one failed, or
   * the server lost its end (`media-failed`). `failed`: only if that connection is still current.
   */
  rebuild(failed = this._pc) {
    return this._queue.run(async () => {
      if (!this._pc || this._pc !== failed) return;
      await this._backoff.wait();
      if (this._pc !== failed) return;
      const sending = [...this._senders].filter(([, t]) => t.sender.track && t.direction !== 'inactive')
        .map(([stream, t]) => [stream, t.sender.track, t._encodings, t._layout]);
      this._pc.close();
      this._pc = this._newConnection();
      this._senders.clear();
      for (const [stream, track, encodings, layout] of sending) this._addSender(stream, track, encodings, layout);
      this._renew = true;
      await this._negotiate();
    });
  }

  /** ICE restart: a new offer with new credentials; the server answers with new ones too. */
  restartIce() {
    return this._queue.run(() => (this._pc ? this._negotiate({ iceRestart: true }) : undefined));
  }

  async _negotiate(options = {}) {
    const offer = await this._pc.createOffer(options);
    await this._pc.setLocalDescription(offer);
    const streams = {};
    for (const [stream, t] of this._senders) if (t.mid !== null && t.direction !== 'inactive') streams[t.mid] = stream;
    const data = { sdp: this._pc.localDescription.sdp, streams };
    if (this._renew) data.reconnect = true;
    const res = await this._request('publish', data);
    this._renew = false;
    await this._pc.setRemoteDescription({ type: 'answer', sdp: res.sdp });
  }

  close() {
    if (this._pc) this._pc.close();
    this._pc = null;
    this._senders.clear();
  }
}

// Reads a=mid / a=msid pairs of an SDP: mid -> {userId, stream} (msid = "<userId> <userId>-<stream>").
function tracksOfOffer(sdp) {
  const out = new Map();
  let mid = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) mid = null;
    else if (line.startsWith('a=mid:')) mid = line.slice(6).trim();
    else if (line.startsWith('a=msid:') && mid !== null) {
      const [userId, trackId] = line.slice(7).trim().split(' ');
      out.set(mid, { userId, stream: trackId.slice(userId.length + 1) });
    }
  }
  return out;
}

export class Subscriber {
  /**
   * @param {(type: string, data: object) => Promise<object>} request
   * @param {(userId: string, stream: string, track: MediaStreamTrack) => void} onTrack
   */
  constructor(request, onTrack) {
    this._request = request;
    this._onTrack = onTrack;
    this._pc = null;
    this._wanted = new Map();  // "userId/stream" -> {userId, stream, small}
    this._byMid = new Map();
    this._queue = new Queue();
    this._backoff = new RebuildBackoff();
    this._renew = false;  // the next subscribe builds the server's end anew (subscribe {reconnect})
  }

  get pc() { return this._pc; }

  /** Whose stream a received mid carries. */
  remoteOfMid(mid) { return this._byMid.get(mid); }

  /** small: for main video, the publisher's low simulcast layer. */
  want(userId, stream, on, { small = false } = {}) {
    const key = `${userId}/${stream}`;
    const had = this._wanted.get(key);
    if (on ? had && !!had.small === small : !had) return Promise.resolve();
    if (on) this._wanted.set(key, stream === 'main' && small ? { userId, stream, small: true } : { userId, stream });
    else this._wanted.delete(key);
    return this._queue.run(() => this._negotiate());
  }

  forget(userId) {
    for (const key of [...this._wanted.keys()]) if (key.startsWith(`${userId}/`)) this._wanted.delete(key);
  }

  /** ICE restart: the server offers new credentials (it is the offerer on this connection). */
  restartIce() {
    return this._queue.run(() => (this._pc ? this._negotiate({ iceRestart: true }) : undefined));
  }

  /** A new peer connection (new ICE and DTLS) receiving the same streams; see Publisher.rebuild. */
  rebuild(failed = this._pc) {
    return this._queue.run(async () => {
      if (!this._pc || this._pc !== failed) return;
      await this._backoff.wait();
      if (this._pc !== failed) return;
      this._pc.close();
      this._pc = null;
      this._byMid = new Map();
      this._renew = true;
      if (this._wanted.size) await this._negotiate();
    });
  }

  async _negotiate({ iceRestart = false } = {}) {
    if (!this._pc) {
      const pc = new RTCPeerConnection(PC_CONFIG);
      watchConnection(pc, { restartIce: () => this.restartIce(), rebuild: () => this.rebuild(pc) });
      pc.ontrack = (ev) => {
        const info = this._byMid.get(ev.transceiver.mid);
        if (info) this._onTrack(info.userId, info.stream, ev.track);
      };
      this._pc = pc;
    }
    const data = { streams: [...this._wanted.values()] };
    if (iceRestart && !this._renew) data.iceRestart = true;
    if (this._renew) data.reconnect = true;
    const res = await this._request('subscribe', data);
    this._renew = false;
    this._byMid = tracksOfOffer(res.sdp);
    await this._pc.setRemoteDescription({ type: 'offer', sdp: res.sdp });
    const answer = await this._pc.createAnswer();
    await this._pc.setLocalDescription(answer);
    await this._request('subscribeAnswer', { sdp: this._pc.localDescription.sdp });
  }

  close() {
    if (this._pc) this._pc.close();
    this._pc = null;
    this._wanted.clear();
  }
}
