// Media half of the Atrium Web SDK: one publishing and one subscribing RTCPeerConnection per
// client (the SFU is ICE-lite and DTLS-passive; BUNDLE and rtcp-mux always). Negotiations are
// serialized so offers and answers never cross. Protocol: docs/protocol.md "Media".

const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require', iceServers: [] };

// A connection 'disconnected' this long (no consent responses; the network changed) is restarted
// without waiting for 'failed', which Chrome declares only after ~30 s.
const DISCONNECTED_RESTART_MS = 4000;

// Restarts ICE on `pc` through `restart` when it fails or stays disconnected.
function watchIce(pc, restart) {
  let timer = null;
  pc.addEventListener('iceconnectionstatechange', () => {
    clearTimeout(timer);
    if (pc.iceConnectionState === 'failed') restart().catch(() => {});
    else if (pc.iceConnectionState === 'disconnected')
      timer = setTimeout(() => { if (pc.iceConnectionState === 'disconnected') restart().catch(() => {}); }, DISCONNECTED_RESTART_MS);
  });
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
      if (!this._pc) {
        this._pc = new RTCPeerConnection(PC_CONFIG);
        watchIce(this._pc, () => this.restartIce());
      }
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
        const init = { direction: 'sendonly' };
        if (encodings && encodings.length > 1) init.sendEncodings = encodings;
        t = this._pc.addTransceiver(track, init);
        t._layout = layout;
        this._senders.set(stream, t);
      }
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
    const res = await this._request('publish', { sdp: this._pc.localDescription.sdp, streams });
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

  async _negotiate({ iceRestart = false } = {}) {
    if (!this._pc) {
      this._pc = new RTCPeerConnection(PC_CONFIG);
      watchIce(this._pc, () => this.restartIce());
      this._pc.ontrack = (ev) => {
        const info = this._byMid.get(ev.transceiver.mid);
        if (info) this._onTrack(info.userId, info.stream, ev.track);
      };
    }
    const data = { streams: [...this._wanted.values()] };
    if (iceRestart) data.iceRestart = true;
    const res = await this._request('subscribe', data);
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
