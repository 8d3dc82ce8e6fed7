// Atrium Web SDK (signaling part). An ES module usable without a build step, shaped like TRTC's
// Web SDK v5: Atrium.create(), enterRoom/exitRoom/switchRole/sendCustomMessage, on/off with the
// v5 event names. Media (publish/subscribe) is added by the media plane.
// Protocol: docs/protocol.md.

const EVENT = Object.freeze({
  ERROR: 'error',
  KICKED_OUT: 'kicked-out',
  REMOTE_USER_ENTER: 'remote-user-enter',
  REMOTE_USER_EXIT: 'remote-user-exit',
  CUSTOM_MESSAGE: 'custom-message',
  CONNECTION_STATE_CHANGED: 'connection-state-changed',
});

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

  async enterRoom({ sdkAppId, userId, userSig, roomId, strRoomId, role = 'anchor', scene = 'rtc', privateMapKey }) {
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
    this._startHeartbeat();
    this._setState('CONNECTED');
    for (const u of res.users) this._emit(EVENT.REMOTE_USER_ENTER, { userId: u.userId });
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

  _requireRoom() {
    if (!this._session) throw new RtcError(ERROR_CODE.INVALID_OPERATION, 'not in a room');
  }

  _leave() {
    this._session = null;
    clearInterval(this._heartbeat);
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
      ws.onopen = () => { this._ws = ws; resolve(); };
      ws.onerror = () => reject(new RtcError(ERROR_CODE.OPERATION_FAILED, 'cannot connect to the signaling server'));
      ws.onmessage = (ev) => this._onMessage(ev.data);
      ws.onclose = () => this._onSocketClosed(ws);
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
      case 'remote-user-enter': this._emit(EVENT.REMOTE_USER_ENTER, { userId: d.userId }); break;
      case 'remote-user-exit': this._emit(EVENT.REMOTE_USER_EXIT, { userId: d.userId, reason: d.reason }); break;
      case 'custom-message':
        this._emit(EVENT.CUSTOM_MESSAGE, { userId: d.userId, cmdId: d.cmdId, seq: d.seq, data: fromBase64(d.data) });
        break;
      case 'kicked-out':
        this._session = null;
        clearInterval(this._heartbeat);
        this._emit(EVENT.KICKED_OUT, { reason: d.reason, message: d.message });
        this._leave();
        break;
      case 'error': this._emit(EVENT.ERROR, new RtcError(ERROR_CODE.SERVER_ERROR, d.message, d.code, d.name)); break;
    }
  }

  _startHeartbeat() {
    clearInterval(this._heartbeat);
    this._heartbeat = setInterval(() => { this._request('heartbeat', {}).catch(() => {}); },
      this._session.heartbeatIntervalMs);
  }

  async _onSocketClosed(ws) {
    if (ws !== this._ws && this._ws !== null) return;
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
        const res = await this._request('resume', { sessionId: s.sessionId, resumeToken: s.resumeToken, lastSeq: s.lastSeq });
        if (res.eventsLost) for (const u of res.users) this._emit(EVENT.REMOTE_USER_ENTER, { userId: u.userId });
        this._setState('RECONNECTED');
        this._setState('CONNECTED');
        return;
      } catch (e) {
        if (e.serverName === 'SESSION_NOT_FOUND' || e.serverName === 'RESUME_DENIED') break;
        this._closeSocket();
      }
    }
    this._emit(EVENT.ERROR, new RtcError(ERROR_CODE.OPERATION_FAILED, 'connection lost and the session could not be resumed'));
    this._leave();
  }
}

export default Atrium;
