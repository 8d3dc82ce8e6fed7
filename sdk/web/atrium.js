// Atrium Web SDK. An ES module usable without a build step, shaped like TRTC's Web SDK v5:
// Atrium.create(), enterRoom/exitRoom/switchRole/sendCustomMessage, local and remote audio/video,
// on/off with the v5 event names. Protocol: docs/protocol.md.

import { Publisher, Subscriber } from './media.js';
import { StatsCollector, audioVolumes, STATS_INTERVAL_MS } from './stats.js';

const EVENT = Object.freeze({
  ERROR: 'error',
  KICKED_OUT: 'kicked-out',
  REMOTE_USER_ENTER: 'remote-user-enter',
  REMOTE_USER_EXIT: 'remote-user-exit',
  CUSTOM_MESSAGE: 'custom-message',
  CONNECTION_STATE_CHANGED: 'connection-state-changed',
  REMOTE_AUDIO_AVAILABLE: 'remote-audio-available',
  REMOTE_AUDIO_UNAVAILABLE: 'remote-audio-unavailable',
  REMOTE_VIDEO_AVAILABLE: 'remote-video-available',
  REMOTE_VIDEO_UNAVAILABLE: 'remote-video-unavailable',
  NETWORK_QUALITY: 'network-quality',
  STATISTICS: 'statistics',
  AUDIO_VOLUME: 'audio-volume',
  // Atrium's own: the server's active-speaker detection (audio levels of every publisher).
  ACTIVE_SPEAKER: 'active-speaker',
});

const VIDEO_PROFILES = {
  '120p': [160, 120], '180p': [320, 180], '240p': [320, 240], '360p': [640, 360], '480p': [640, 480],
  '720p': [1280, 720], '1080p': [1920, 1080],
};

// Simulcast layers for the main video, lowest first, or null without a small stream. The small
// layer is scaled from the big one (TRTC's default small stream is 180p) and capped low so it
// fits a poor link.
function smallStreamEncodings({ profile, small }) {
  if (!small) return null;
  const [, bigHeight] = VIDEO_PROFILES[profile] || VIDEO_PROFILES['480p'];
  const [, smallHeight] = VIDEO_PROFILES[typeof small === 'string' ? small : '180p'] || VIDEO_PROFILES['180p'];
  const scale = Math.max(1, bigHeight / smallHeight);
  return [
    { rid: 'l', scaleResolutionDownBy: scale, maxBitrate: 150_000 },
    { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
  ];
}

function elementOf(view) {
  if (!view) return null;
  return typeof view === 'string' ? document.getElementById(view) : view;
}

// Puts a <video> (or <audio>) for `track` into `container`, reusing one already there.
function attach(container, track, muted) {
  const tag = track.kind === 'audio' ? 'audio' : 'video';
  let el = container.querySelector(`${tag}[data-atrium]`);
  if (!el) {
    el = document.createElement(tag);
    el.dataset.atrium = '1';
    el.autoplay = true;
    el.playsInline = true;
    if (tag === 'video') el.style.width = el.style.height = '100%';
    container.appendChild(el);
  }
  el.muted = muted;
  el.srcObject = new MediaStream([track]);
  el.play().catch(() => {});
  return el;
}

const ERROR_CODE = Object.freeze({
  INVALID_PARAMETER: 5000, INVALID_OPERATION: 5100, SERVER_ERROR: 5400, OPERATION_FAILED: 5500,
  OPERATION_ABORT: 5998, UNKNOWN_ERROR: 5999,
});

export class RtcError extends Error {
  constructor(code, message, extraCode, name) {
    super(message);
    this.code = code;            // v5 category code
    this.extraCode = extraCode;  // Atrium protocol code (docs/protocol.md)
    this.serverName = name;      // Atrium protocol error name
  }
}

function toBase64(buffer) {
  const bytes = new Uint8Array(buffer);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

export class Atrium {
  static EVENT = EVENT;
  static ERROR_CODE = ERROR_CODE;

  /** @param {{signalUrl?: string, reconnect?: boolean}} options */
  static create(options = {}) { return new Atrium(options); }

  constructor(options) {
    this._signalUrl = options.signalUrl || `wss://${globalThis.location?.host}/v1/signal`;
    this._reconnect = options.reconnect !== false;
    this._handlers = new Map();
    this._pending = new Map();
    this._nextId = 1;
    this._ws = null;
    this._session = null;   // {sessionId, resumeToken, lastSeq, heartbeatIntervalMs, sessionGraceMs}
    this._state = 'DISCONNECTED';
    this._heartbeat = null;
    this._autoReceiveAudio = true;
    this._local = new Map();        // stream -> MediaStreamTrack
    this._remoteViews = new Map();  // "userId/stream" -> container element
    this._remoteAudio = new Map();  // userId -> <audio>
    this._publisher = null;
    this._subscriber = null;
    this._enterData = null;          // what enterRoom sent, to enter again if the server forgot us
    this._remoteUsers = new Set();   // userIds announced to the app
    this._watching = new Map();      // "userId/stream" -> {small}: remote video the app asked for
    this._remoteTracks = new Map();  // "userId/stream" -> the remote video track received last
  }

  on(event, handler) {
    if (!this._handlers.has(event)) this._handlers.set(event, new Set());
    this._handlers.get(event).add(handler);
    return this;
  }

  off(event, handler) {
    if (event === '*') this._handlers.clear();
    else if (handler) this._handlers.get(event)?.delete(handler);
    else this._handlers.delete(event);
    return this;
  }

  _emit(event, payload) {
    for (const h of this._handlers.get(event) || []) {
      try { h(payload); } catch (e) { console.error(e); }
    }
  }

  _setState(state) {
    if (state === this._state) return;
    const prevState = this._state;
    this._state = state;
    this._emit(EVENT.CONNECTION_STATE_CHANGED, { prevState, state });
  }

  async enterRoom({ sdkAppId, userId, userSig, roomId, strRoomId, role = 'anchor', scene = 'rtc', privateMapKey,
                    autoReceiveAudio = true }) {
    this._autoReceiveAudio = autoReceiveAudio;
    if (this._session) throw new RtcError(ERROR_CODE.INVALID_OPERATION, 'already in a room');
    if (!sdkAppId || !userId || !userSig || (!roomId && !strRoomId))
      throw new RtcError(ERROR_CODE.INVALID_PARAMETER, 'sdkAppId, userId, userSig and roomId or strRoomId are required');
    this._setState('CONNECTING');
    await this._connect();
    const data = { sdkAppId, userId, userSig, role, scene };
    if (roomId) data.roomId = roomId; else data.strRoomId = strRoomId;
    if (privateMapKey) data.privateMapKey = privateMapKey;
    let res;
    try {
      res = await this._request('enterRoom', data);
    } catch (e) {
      this._closeSocket();
      this._setState('DISCONNECTED');
      throw e;
    }
    this._session = { ...res, lastSeq: 0, userId };
    this._enterData = data;
    this._startHeartbeat();
    this._startStats();
    this._setState('CONNECTED');
    this._remoteUsers = new Set(res.users.map((u) => u.userId));
    for (const u of res.users) this._emit(EVENT.REMOTE_USER_ENTER, { userId: u.userId });
  }

  // The server no longer knows our session (it restarted, or the grace period ran out): enter
  // the room again with the same credentials, publish what we published on a new connection, and
  // receive again what we watched as each stream is announced (resubscribing in _onStreamEvent).
  async _reenter() {
    const res = await this._request('enterRoom', this._enterData);
    this._session = { ...res, lastSeq: 0, userId: this._session.userId };
    this._syncRemoteUsers(res.users);
    this._startHeartbeat();
    this._rebuildMedia();
  }

  // The room as the server sees it now, after events were lost: who left and who came meanwhile.
  _syncRemoteUsers(users) {
    const known = this._remoteUsers;
    this._remoteUsers = new Set(users.map((u) => u.userId));
    for (const u of known) if (!this._remoteUsers.has(u)) this._emit(EVENT.REMOTE_USER_EXIT, { userId: u, reason: 0 });
    for (const u of this._remoteUsers) if (!known.has(u)) this._emit(EVENT.REMOTE_USER_ENTER, { userId: u });
  }

  // The server holds none of our media connections (we entered again, or another process took
  // our session over): publish on a new connection; watched streams are received again as their
  // publishers announce them (_onStreamEvent).
  _rebuildMedia() {
    this._subscriber?.close();
    this._subscriber = null;
    this._publisher?.rebuild().catch((e) => this._emit(EVENT.ERROR, e));
  }

  async exitRoom() {
    if (!this._session) return;
    try { await this._request('exitRoom', {}); } finally { this._leave(); }
  }

  async switchRole(role, { privateMapKey } = {}) {
    this._requireRoom();
    await this._request('switchRole', privateMapKey ? { role, privateMapKey } : { role });
  }

  /** @param {{cmdId: number, data: ArrayBuffer}} message */
  async sendCustomMessage({ cmdId, data }) {
    this._requireRoom();
    return this._request('sendCustomMessage', { cmdId, data: toBase64(data) });
  }

  destroy() { this._leave(); this._handlers.clear(); }

  // --- local media -----------------------------------------------------------------------

  async startLocalAudio({ option = {} } = {}) {
    this._requireRoom();
    const media = await navigator.mediaDevices.getUserMedia({ audio: option.microphoneId ? { deviceId: option.microphoneId } : true });
    return this._publish('audio', media.getAudioTracks()[0]);
  }

  /**
   * option.profile: '120p' … '1080p' (default '480p'); option.small: also send a small stream
   * (true = 180p, or a profile name), which subscribers may choose with option.small.
   */
  async startLocalVideo({ view, option = {} } = {}) {
    this._requireRoom();
    this._videoOption = { profile: option.profile || '480p', small: option.small || false };
    const [width, height] = VIDEO_PROFILES[this._videoOption.profile] || VIDEO_PROFILES['480p'];
    const media = await navigator.mediaDevices.getUserMedia({ video: { width, height } });
    const track = media.getVideoTracks()[0];
    const el = elementOf(view);
    if (el) attach(el, track, true);
    return this._publish('main', track, smallStreamEncodings(this._videoOption));
  }

  /** Changes the profile or turns the small stream on or off while publishing. */
  async updateLocalVideo({ option = {} } = {}) {
    this._requireRoom();
    const track = this._local.get('main');
    if (!track) throw new RtcError(ERROR_CODE.INVALID_OPERATION, 'the camera is not started');
    const next = { ...this._videoOption, ...option };
    if (option.profile && option.profile !== this._videoOption.profile) {
      const [width, height] = VIDEO_PROFILES[option.profile] || VIDEO_PROFILES['480p'];
      await track.applyConstraints({ width, height });
    }
    this._videoOption = next;
    await this._publisher.setTrack('main', track, smallStreamEncodings(next));
  }

  async updateLocalAudio({ option = {} } = {}) {
    this._requireRoom();
    if (!option.microphoneId) return;
    const media = await navigator.mediaDevices.getUserMedia({ audio: { deviceId: option.microphoneId } });
    return this._publish('audio', media.getAudioTracks()[0]);
  }

  async startScreenShare({ view } = {}) {
    this._requireRoom();
    const media = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = media.getVideoTracks()[0];
    const el = elementOf(view);
    if (el) attach(el, track, true);
    return this._publish('sub', track);
  }

  stopLocalAudio() { return this._publish('audio', null); }
  stopLocalVideo() { return this._publish('main', null); }
  stopScreenShare() { return this._publish('sub', null); }

  async _publish(stream, track, encodings = null) {
    const old = this._local.get(stream);
    if (old) old.stop();
    if (track) this._local.set(stream, track); else this._local.delete(stream);
    if (!this._publisher) this._publisher = new Publisher((t, d) => this._request(t, d));
    await this._publisher.setTrack(stream, track, encodings);
  }

  // --- remote media ----------------------------------------------------------------------

  /** option.small: receive the publisher's small stream (when it sends one). */
  async startRemoteVideo({ userId, streamType = 'main', view, option = {} }) {
    this._requireRoom();
    const el = elementOf(view);
    const key = `${userId}/${streamType}`;
    if (el) this._remoteViews.set(key, el);
    // Already playing (the SDK resumed it by itself): show it in the view given now.
    const playing = this._remoteTracks.get(key);
    if (el && playing?.readyState === 'live') attach(el, playing, true);
    this._watching.set(key, { small: !!option.small });
    await this._subscribe(userId, streamType, true, { small: !!option.small });
  }

  /** Switches between the big and the small stream (option.small) without re-subscribing. */
  async updateRemoteVideo({ userId, streamType = 'main', option = {} }) {
    this._requireRoom();
    if (this._watching.has(`${userId}/${streamType}`)) this._watching.set(`${userId}/${streamType}`, { small: !!option.small });
    await this._subscribe(userId, streamType, true, { small: !!option.small });
  }

  async stopRemoteVideo({ userId, streamType = 'main' }) {
    this._remoteViews.delete(`${userId}/${streamType}`);
    this._watching.delete(`${userId}/${streamType}`);
    if (this._subscriber) await this._subscriber.want(userId, streamType, false);
  }

  muteRemoteAudio(userId, mute) {
    const el = this._remoteAudio.get(userId);
    if (el) el.muted = mute;
  }

  setRemoteAudioVolume(userId, volume) {
    const el = this._remoteAudio.get(userId);
    if (el) el.volume = Math.max(0, Math.min(100, volume)) / 100;
  }

  /**
   * ICE restart of both media connections (not part of the TRTC API). The SDK does it by itself
   * when a connection stays disconnected, or is still down after the signaling connection was
   * resumed (a connection that *failed* it builds anew instead); apps may call it when they know
   * the network changed.
   */
  async restartIce() {
    await Promise.all([this._publisher?.restartIce(), this._subscriber?.restartIce()]);
  }

  // The RTCPeerConnections, for diagnostics (getStats) — not part of the TRTC API.
  getPeerConnections() {
    return { publisher: this._publisher?.pc || null, subscriber: this._subscriber?.pc || null };
  }

  _subscribe(userId, stream, on, options = {}) {
    if (!this._subscriber) {
      this._subscriber = new Subscriber((t, d) => this._request(t, d), (u, s, track) => this._onRemoteTrack(u, s, track));
    }
    return this._subscriber.want(userId, stream, on, options);
  }

  _onRemoteTrack(userId, stream, track) {
    if (stream === 'audio') {
      let el = this._remoteAudio.get(userId);
      if (!el) {
        el = document.createElement('audio');
        el.autoplay = true;
        el.dataset.user = userId;
        document.body.appendChild(el);
        this._remoteAudio.set(userId, el);
      }
      el.srcObject = new MediaStream([track]);
      el.play().catch(() => {});
      return;
    }
    this._remoteTracks.set(`${userId}/${stream}`, track);
    const el = this._remoteViews.get(`${userId}/${stream}`);
    if (el) attach(el, track, true);
  }

  _onStreamEvent(event, d) {
    const available = event.endsWith('-available');
    const stream = event.startsWith('remote-audio') ? 'audio' : d.streamType;
    if (stream === 'audio') {
      this._emit(event, { userId: d.userId });
      if (this._autoReceiveAudio) this._subscribe(d.userId, 'audio', available).catch((e) => this._emit(EVENT.ERROR, e));
      if (!available) {
        this._remoteAudio.get(d.userId)?.remove();
        this._remoteAudio.delete(d.userId);
      }
      return;
    }
    this._emit(event, { userId: d.userId, streamType: stream });
    if (!available) this._remoteTracks.delete(`${d.userId}/${stream}`);
    if (!available && this._subscriber) this._subscriber.want(d.userId, stream, false).catch(() => {});
    // A stream the app watches that comes back (its publisher reconnected, or we entered again)
    // plays again in the same view without the app asking.
    const watching = this._watching.get(`${d.userId}/${stream}`);
    if (available && watching) this._subscribe(d.userId, stream, true, watching).catch((e) => this._emit(EVENT.ERROR, e));
  }

  _requireRoom() {
    if (!this._session) throw new RtcError(ERROR_CODE.INVALID_OPERATION, 'not in a room');
  }

  _leave() {
    this._session = null;
    this._enterData = null;
    this._remoteUsers = new Set();
    this._watching.clear();
    this._remoteTracks.clear();
    for (const track of this._local.values()) track.stop();
    this._local.clear();
    this._publisher?.close();
    this._subscriber?.close();
    this._publisher = this._subscriber = null;
    for (const el of this._remoteAudio.values()) el.remove();
    this._remoteAudio.clear();
    clearInterval(this._heartbeat);
    clearInterval(this._statsTimer);
    clearInterval(this._volumeTimer);
    this._statsTimer = this._volumeTimer = null;
    this._closeSocket();
    this._setState('DISCONNECTED');
  }

  _closeSocket() {
    const ws = this._ws;
    this._ws = null;
    if (ws) { ws.onclose = null; ws.close(1000); }
    for (const { reject } of this._pending.values()) reject(new RtcError(ERROR_CODE.OPERATION_ABORT, 'connection closed'));
    this._pending.clear();
  }

  _connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this._signalUrl);
      // The close handler is installed only once the socket is open: a failed attempt must not
      // start another reconnection loop of its own.
      ws.onopen = () => {
        this._ws = ws;
        ws.onclose = () => this._onSocketClosed(ws);
        resolve();
      };
      ws.onerror = () => reject(new RtcError(ERROR_CODE.OPERATION_FAILED, 'cannot connect to the signaling server'));
      ws.onmessage = (ev) => this._onMessage(ev.data);
    });
  }

  _request(type, data) {
    const id = this._nextId++;
    return new Promise((resolve, reject) => {
      if (!this._ws) return reject(new RtcError(ERROR_CODE.OPERATION_FAILED, 'not connected'));
      this._pending.set(id, { resolve, reject });
      this._ws.send(JSON.stringify({ v: 1, id, type, data }));
    });
  }

  _onMessage(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (msg.type === 'response') {
      const p = this._pending.get(msg.id);
      if (!p) return;
      this._pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.data);
      else p.reject(new RtcError(msg.error.code >= 5000 && msg.error.code < 6000 ? ERROR_CODE.SERVER_ERROR : ERROR_CODE.OPERATION_FAILED,
        msg.error.message, msg.error.code, msg.error.name));
      return;
    }
    if (msg.type !== 'event') return;
    if (msg.seq && this._session) {
      if (msg.seq <= this._session.lastSeq) return;  // already seen before a resume
      this._session.lastSeq = msg.seq;
    }
    const d = msg.data || {};
    switch (msg.event) {
      case 'remote-user-enter':
        this._remoteUsers.add(d.userId);
        this._emit(EVENT.REMOTE_USER_ENTER, { userId: d.userId });
        break;
      case 'remote-user-exit':
        this._remoteUsers.delete(d.userId);
        for (const key of [...this._watching.keys()]) if (key.startsWith(`${d.userId}/`)) this._watching.delete(key);
        this._emit(EVENT.REMOTE_USER_EXIT, { userId: d.userId, reason: d.reason });
        break;
      case 'custom-message':
        this._emit(EVENT.CUSTOM_MESSAGE, { userId: d.userId, cmdId: d.cmdId, seq: d.seq, data: fromBase64(d.data) });
        break;
      case 'kicked-out':
        this._session = null;
        clearInterval(this._heartbeat);
        this._emit(EVENT.KICKED_OUT, { reason: d.reason, message: d.message });
        this._leave();
        break;
      case 'remote-audio-available':
      case 'remote-audio-unavailable':
      case 'remote-video-available':
      case 'remote-video-unavailable':
        this._onStreamEvent(msg.event, d);
        break;
      case 'active-speaker': this._emit(EVENT.ACTIVE_SPEAKER, { userId: d.userId }); break;
      case 'media-failed': {
        // The server lost its end of one of our connections: build that one anew (the call
        // goes on; subscribers see our streams stop and come back).
        console.warn(`atrium: the server lost the ${d.connection} connection (${d.reason}); reconnecting it`);
        const side = d.connection === 'publish' ? this._publisher : d.connection === 'subscribe' ? this._subscriber : null;
        side?.rebuild().catch((e) => this._emit(EVENT.ERROR, e));
        break;
      }
      case 'error': this._emit(EVENT.ERROR, new RtcError(ERROR_CODE.SERVER_ERROR, d.message, d.code, d.name)); break;
    }
  }

  // Every 2 s: a quality report to the server and the statistics / network-quality events.
  _startStats() {
    clearInterval(this._statsTimer);
    const collector = new StatsCollector(() => this.getPeerConnections(), (mid) => this._subscriber?.remoteOfMid(mid),
      () => this._publisher?.midOf('main'));
    this._statsTimer = setInterval(async () => {
      if (!this._session) return;
      let s;
      try { s = await collector.sample(); } catch { return; }
      if (s.first || !this._session) return;  // rates need two samples
      if (this._state === 'CONNECTED') this._request('quality', s.report).catch(() => {});
      this._emit(EVENT.STATISTICS, s.statistics);
      this._emit(EVENT.NETWORK_QUALITY, s.networkQuality);
    }, STATS_INTERVAL_MS);
  }

  /** audio-volume events every `interval` ms (TRTC v5); 0 or less turns them off. */
  enableAudioVolumeEvaluation(interval = 2000) {
    clearInterval(this._volumeTimer);
    this._volumeTimer = null;
    if (!(interval > 0)) return;
    this._volumeTimer = setInterval(async () => {
      if (!this._session) return;
      try {
        const result = await audioVolumes(() => this.getPeerConnections(), (mid) => this._subscriber?.remoteOfMid(mid));
        if (result.length) this._emit(EVENT.AUDIO_VOLUME, { result });
      } catch { /* a peer connection closed while sampling */ }
    }, Math.max(100, interval));
  }

  _startHeartbeat() {
    clearInterval(this._heartbeat);
    this._heartbeat = setInterval(() => { this._request('heartbeat', {}).catch(() => {}); },
      this._session.heartbeatIntervalMs);
  }

  async _onSocketClosed(ws) {
    if (ws !== this._ws) return;  // a socket we already replaced or closed ourselves
    this._ws = null;
    for (const { reject } of this._pending.values()) reject(new RtcError(ERROR_CODE.OPERATION_ABORT, 'connection lost'));
    this._pending.clear();
    if (!this._session || !this._reconnect) return this._leave();
    // Resume within the server's grace period, with backoff.
    this._setState('RECONNECTING');
    const deadline = Date.now() + this._session.sessionGraceMs;
    for (let delay = 250; Date.now() < deadline && this._session; delay = Math.min(delay * 2, 4000)) {
      await new Promise((r) => setTimeout(r, delay));
      try {
        await this._connect();
        const s = this._session;
        let res;
        try {
          res = await this._request('resume', { sessionId: s.sessionId, resumeToken: s.resumeToken, lastSeq: s.lastSeq });
        } catch (e) {
          if (e.serverName !== 'SESSION_NOT_FOUND' && e.serverName !== 'RESUME_DENIED') throw e;
          await this._reenter();  // a refusal of this (say, the UserSig expired) ends the loop below
          this._setState('RECONNECTED');
          this._setState('CONNECTED');
          return;
        }
        if (res.eventsLost) this._syncRemoteUsers(res.users);
        if (res.mediaLost) {
          // Another process took the session over (a restart, another node).
          this._rebuildMedia();
        } else {
          // A network change that dropped signaling usually broke the media paths too: a failed
          // connection is built anew, one that only lost its path restarts ICE.
          for (const side of [this._publisher, this._subscriber]) {
            const pc = side?.pc;
            if (!pc) continue;
            if (pc.connectionState === 'failed') side.rebuild().catch(() => {});
            else if (pc.iceConnectionState !== 'connected' && pc.iceConnectionState !== 'completed') side.restartIce().catch(() => {});
          }
        }
        this._setState('RECONNECTED');
        this._setState('CONNECTED');
        return;
      } catch (e) {
        // The server answered and refused for good (a client-class error, say the UserSig
        // expired); a rate limit or a server-side failure is worth another try.
        if (e.serverName && e.serverName !== 'RATE_LIMITED' && !(e.extraCode >= 5000)) break;
        this._closeSocket();
      }
    }
    this._emit(EVENT.ERROR, new RtcError(ERROR_CODE.OPERATION_FAILED, 'connection lost and the session could not be resumed'));
    this._leave();
  }
}

export default Atrium;
