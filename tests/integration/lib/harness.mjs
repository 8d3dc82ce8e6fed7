// Black-box harness for the atriumd integration tests (docs/protocol.md is the contract).
//
//   const server = await startServer({ 'signal.session_grace_ms': 1500 });
//   const app = await createApp(server, { maxRtcUsers: 2 });
//   const alice = await connectClient(server, 'alice');
//   const entered = await alice.enterOk(app, 'alice', { roomId: newRoomId() });
//
// Every wait is time-bounded, so a misbehaving server fails a test instead of hanging it.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2');

export const ATRIUMD = process.env.ATRIUMD || '/work/main/build/src/app/atriumd';
export const ATRIUM_CLI = process.env.ATRIUM_CLI || '/work/main/build/tools/atrium/atrium';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Error codes and names, exactly as in protocol.md "Errors".
export const ERR = {
  BAD_REQUEST: 4000, UNKNOWN_TYPE: 4001, UNSUPPORTED_VERSION: 4002, INVALID_STATE: 4003,
  INVALID_PARAMETER: 4004, INVALID_USER_ID: 4005, INVALID_ROOM_ID: 4006, SCENE_MISMATCH: 4007,
  SESSION_NOT_FOUND: 4008, RESUME_DENIED: 4009, MESSAGE_TOO_LARGE: 4010, BINARY_NOT_SUPPORTED: 4011,
  PERMISSION_DENIED: 4030, ROOM_FULL: 4031, ROOM_LIMIT: 4032, PUBLISHER_LIMIT: 4033,
  APP_NOT_FOUND: 4040, APP_DISABLED: 4041, RATE_LIMITED: 4290, INTERNAL: 5000, OVERLOADED: 5030,
  USERSIG_EXPIRED: 70001, USERSIG_EMPTY: 70002, USERSIG_MALFORMED: 70003, USERSIG_BAD_SIGNATURE: 70004,
  USERSIG_WRONG_USER: 70005, USERSIG_WRONG_APP: 70006, USERSIG_UNEXPECTED_USERBUF: 70007,
  PRIVMAPKEY_MISSING: 70051, PRIVMAPKEY_MALFORMED: 70052, PRIVMAPKEY_BAD_SIGNATURE: 70053,
  PRIVMAPKEY_EXPIRED: 70054, PRIVMAPKEY_WRONG_APP: 70055, PRIVMAPKEY_WRONG_USER: 70056,
  PRIVMAPKEY_WRONG_ROOM: 70057, PRIVMAPKEY_NO_PRIVILEGE: 70058,
};
export const ERR_NAME = Object.fromEntries(Object.entries(ERR).map(([n, c]) => [c, n]));

// PrivateMapKey privilege bits (trtc-compat §2.2).
export const PRIV = { CREATE: 1, ENTER: 2, SEND_AUDIO: 4, RECV_AUDIO: 8, SEND_VIDEO: 16, RECV_VIDEO: 32, ALL: 255 };

// Flags every test server gets unless a test overrides them: the per-IP defaults (5 entries/s,
// 64 connections) would otherwise throttle a suite whose clients all come from 127.0.0.1.
const DEFAULT_FLAGS = {
  'signal.entries_per_ip_per_second': 1000,
  'signal.entry_burst_per_ip': 1000,
  'signal.max_connections_per_ip': 1000,
};

// ---------------------------------------------------------------------------------------------
// Server lifecycle

// The server API listener (default 0.0.0.0:4444) gets a loopback address and a free port, so that
// test files running in parallel never fight over one port. Given through the environment
// (ATRIUM_<SECTION>_<KEY>): a binary without the API ignores it; flags still override it.
// The metrics listener (default 127.0.0.1:9464, 0 = off) is off unless a test asks for it with
// { 'metrics.port': await freePort() }, for the same reason.
const DEFAULT_ENV = { ATRIUM_API_ADDRESS: '127.0.0.1', ATRIUM_API_PORT: '0', ATRIUM_METRICS_PORT: '0' };

// A TCP port that was free a moment ago on 127.0.0.1 (for settings where 0 does not mean "any").
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// opts.dir: run on an existing data dir (a restart after stop({keep: true})) instead of a new one.
export async function startServer(flags = {}, { readyTimeoutMs = 20000, dir: reuseDir } = {}) {
  const dir = reuseDir ?? await fsp.mkdtemp(path.join(os.tmpdir(), 'atrium-it-'));
  const readyPath = path.join(dir, 'ready.json');
  await fsp.rm(readyPath, { force: true }); // a restart must not read the previous run's ready file
  const logPath = path.join(dir, 'atriumd.log');
  const outPath = path.join(dir, 'stdio.log');
  const all = { 'signal.port': 0, ...DEFAULT_FLAGS, ...flags };  // a restart test may fix the port
  const args = [
    '--server.mode=dev', `--server.data_dir=${dir}`, '--signal.address=127.0.0.1',
    `--server.ready_file=${readyPath}`, `--server.log_file=${logPath}`,
    ...Object.entries(all).map(([k, v]) => `--${k}=${v}`),
  ];
  const out = fs.openSync(outPath, 'a');
  const child = spawn(ATRIUMD, args, { stdio: ['ignore', out, out], env: { ...DEFAULT_ENV, ...process.env } });
  fs.closeSync(out);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { exited = { code, signal }; resolve(exited); });
    child.on('error', (err) => { exited = { code: null, signal: null, error: err }; resolve(exited); });
  });
  const tail = () => { try { return fs.readFileSync(outPath, 'utf8').slice(-2000); } catch { return ''; } };

  const deadline = Date.now() + readyTimeoutMs;
  let ready = null;
  while (!ready) {
    if (exited) throw new Error(`atriumd exited before ready (${JSON.stringify(exited)}): ${args.join(' ')}\n${tail()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`atriumd not ready after ${readyTimeoutMs} ms\n${tail()}`);
    }
    try { ready = JSON.parse(fs.readFileSync(readyPath, 'utf8')); } catch { await sleep(50); }
  }
  assert.equal(typeof ready.signal?.url, 'string', `ready file lacks signal.url: ${JSON.stringify(ready)}`);

  let stopped = null;
  const server = {
    dir, logPath, ready, child,
    url: ready.signal.url,
    port: ready.signal.port,
    demoAppId: ready.demoApp?.sdkAppId,
    flags,
    apiPort: ready.api?.port, // the server API (HTTPS), when this atriumd has it
    metricsPort: ready.metrics?.port, // /metrics, /healthz, /readyz (plain HTTP on loopback), when enabled
    ca: fs.readFileSync(path.join(dir, 'tls', 'cert.pem')),
    isRunning: () => !exited,
    // SIGTERM, wait (SIGKILL after timeoutMs). Idempotent; removes the data dir unless keep.
    async stop({ keep = false, timeoutMs = 8000 } = {}) {
      if (!stopped) {
        stopped = (async () => {
          if (!exited) {
            child.kill('SIGTERM');
            const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
            await exitPromise;
            clearTimeout(t);
          }
          for (const c of liveClients) if (c.server === server) c.terminate();
          return exited;
        })();
      }
      const result = await stopped;
      if (!keep && !process.env.ATRIUM_KEEP_DATA) await fsp.rm(dir, { recursive: true, force: true });
      return result;
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// CLI

export function runCli(server, args, { timeoutMs = 15000 } = {}) {
  // The CLI opens the store as the daemon does: same data dir and the same store.* settings
  // (engine, DSN, regions) when the test gave any.
  const storeFlags = Object.entries(server?.flags ?? {}).filter(([k]) => k.startsWith('store.')).map(([k, v]) => `--${k}=${v}`);
  const full = server ? [`--server.data_dir=${server.dir}`, ...storeFlags, ...args] : args;
  return new Promise((resolve, reject) => {
    execFile(ATRIUM_CLI, full, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`atrium ${full.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

let appCounter = 0;
export async function createApp(server, opts = {}) {
  const args = ['app', 'create', '--name', opts.name || `it-app-${process.pid}-${++appCounter}`, '--json'];
  if (opts.sdkAppId) args.push('--sdkappid', String(opts.sdkAppId));
  if (opts.advancedPermission) args.push('--advanced-permission');
  if (opts.maxRooms) args.push('--max-rooms', String(opts.maxRooms));
  if (opts.maxRtcUsers) args.push('--max-rtc-users', String(opts.maxRtcUsers));
  if (opts.maxLiveUsers) args.push('--max-live-users', String(opts.maxLiveUsers));
  if (opts.maxPublishers) args.push('--max-publishers', String(opts.maxPublishers));
  const out = await runCli(server, args);
  const app = JSON.parse(out);
  assert.equal(typeof app.sdkAppId, 'number', `app create output: ${out}`);
  assert.equal(typeof app.secretKey, 'string', `app create output: ${out}`);
  return app;
}

// API keys (TC3 SecretId/SecretKey) scoped to one or more apps: {secretId, secretKey, ...}.
export async function createApiKey(server, appIds) {
  const ids = Array.isArray(appIds) ? appIds : [appIds];
  const out = await runCli(server, ['apikey', 'create', ...ids.flatMap((id) => ['--app', String(id.sdkAppId ?? id)]), '--json']);
  const key = JSON.parse(out);
  assert.equal(typeof key.secretId, 'string', `apikey create output: ${out}`);
  assert.equal(typeof key.secretKey, 'string', `apikey create output: ${out}`);
  return key;
}

export const revokeApiKey = (server, secretId) => runCli(server, ['apikey', 'revoke', secretId]);

// Sets the app's callback URL (the server generates the callback key); returns `app show --reveal`.
export async function setCallbackUrl(server, app, url) {
  const id = String(app.sdkAppId ?? app);
  await runCli(server, ['app', 'update', id, '--callback-url', url]);
  return showApp(server, app, { reveal: true });
}

export async function showApp(server, app, { reveal = false } = {}) {
  const out = await runCli(server, ['app', 'show', String(app.sdkAppId ?? app), ...(reveal ? ['--reveal'] : []), '--json']);
  return JSON.parse(out);
}

// `atrium audit list --json [--app ID] [--limit N]`: the records, newest first.
export async function auditList(server, { app, limit } = {}) {
  const out = await runCli(server, ['audit', 'list', '--json',
    ...(app ? ['--app', String(app.sdkAppId ?? app)] : []), ...(limit ? ['--limit', String(limit)] : [])]);
  const list = JSON.parse(out);
  assert.ok(Array.isArray(list), `audit list --json: ${out.slice(0, 300)}`);
  return list;
}

export async function cliUserSig(app, userId, { expire, time } = {}) {
  const args = ['usersig', '--sdkappid', String(app.sdkAppId), '--key', app.secretKey, '--userid', userId];
  if (expire !== undefined) args.push('--expire', String(expire));
  if (time !== undefined) args.push('--time', String(time));
  return (await runCli(null, args)).trim();
}

// room: a number (roomId) or a string (strRoomId).
export async function cliPrivateMapKey(app, userId, room, privilege, { expire, time } = {}) {
  const args = ['privatemapkey', '--sdkappid', String(app.sdkAppId), '--key', app.secretKey, '--userid', userId,
    ...(typeof room === 'number' ? ['--roomid', String(room)] : ['--strroomid', room]),
    '--privilege', String(privilege)];
  if (expire !== undefined) args.push('--expire', String(expire));
  if (time !== undefined) args.push('--time', String(time));
  return (await runCli(null, args)).trim();
}

// ---------------------------------------------------------------------------------------------
// Tickets (official tls-sig-api-v2)

export function userSig(app, userId, expire = 3600) {
  return new TLSSigAPIv2.Api(app.sdkAppId, app.secretKey).genSig(userId, expire);
}

// room: a number (genPrivateMapKey) or a string (genPrivateMapKeyWithStringRoomID).
export function privateMapKey(app, userId, room, privilege = PRIV.ALL, expire = 3600) {
  const api = new TLSSigAPIv2.Api(app.sdkAppId, app.secretKey);
  return typeof room === 'number'
    ? api.genPrivateMapKey(userId, expire, room, privilege)
    : api.genPrivateMapKeyWithStringRoomID(userId, expire, room, privilege);
}

// Raw ticket codec (trtc-compat §1.1), for building tampered or malformed tickets.
export function decodeTicket(ticket) {
  const b64 = ticket.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(zlib.inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
}
export function encodeTicket(json) {
  const raw = typeof json === 'string' ? json : JSON.stringify(json);
  return zlib.deflateSync(Buffer.from(raw)).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

// A change of an app or API key made with the CLI reaches a running atriumd on its next settings
// poll (store.settings_poll_ms, 500 ms by default; a refusal is always checked against a fresh
// read, an admission may be up to one poll stale). Calls attempt() until done(result) holds or
// timeoutMs passes; returns the last result.
export async function untilSettingsSeen(attempt, done, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await attempt();
    if (done(r) || Date.now() > deadline) return r;
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Ids

export const newRoomId = () => 1 + Math.floor(Math.random() * 4_000_000_000);
export const newStrRoomId = (prefix = 'r') => `${prefix}-${Math.random().toString(36).slice(2, 12)}`;
let userCounter = 0;
export const newUserId = (prefix = 'u') => `${prefix}_${process.pid % 1000}_${++userCounter}`;

// ---------------------------------------------------------------------------------------------
// Assertions on responses

export function assertOk(resp, what = '') {
  assert.equal(resp.type, 'response', `${what}: not a response: ${JSON.stringify(resp)}`);
  assert.equal(resp.ok, true, `${what}: expected ok, got ${JSON.stringify(resp)}`);
  return resp.data;
}

export function assertError(resp, code, what = '') {
  assert.equal(resp.type, 'response', `${what}: not a response: ${JSON.stringify(resp)}`);
  assert.equal(resp.ok, false, `${what}: expected error ${code}, got ${JSON.stringify(resp)}`);
  assert.equal(resp.error?.code, code, `${what}: expected ${code} ${ERR_NAME[code]}, got ${JSON.stringify(resp.error)}`);
  assert.equal(resp.error.name, ERR_NAME[code], `${what}: error name for ${code}`);
  assert.equal(typeof resp.error.message, 'string', `${what}: error.message`);
  return resp.error;
}

// ---------------------------------------------------------------------------------------------
// Client

const liveClients = new Set();

export async function closeAllClients() {
  await Promise.all([...liveClients].map((c) => c.close()));
}

// opts.autoPong=false makes the client ignore the server's WebSocket pings (a "dead" peer).
export async function connectClient(server, label, opts = {}) {
  const c = new Client(server, label, opts);
  await c.connect();
  return c;
}

export class Client {
  constructor(server, label = 'client', { autoPong = true } = {}) {
    this.server = server;
    this.autoPong = autoPong;
    this.label = label;
    this.nextId = 1;
    this.responses = [];   // responses not yet claimed by a waiter
    this.events = [];      // events not yet claimed
    this.received = [];    // every message, in arrival order
    this.waiters = new Set();
    this.closed = null;    // {code, reason} once closed
    this.lastSeq = 0;      // highest event seq seen
    this.session = null;   // {sessionId, resumeToken} of the last successful enter/resume
  }

  connect(timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      let opened = false;
      const ws = new WebSocket(this.server.url, { ca: this.server.ca, handshakeTimeout: timeoutMs, maxPayload: 1 << 26, autoPong: this.autoPong });
      this.ws = ws;
      liveClients.add(this);
      ws.on('unexpected-response', (req, res) => {
        const err = new Error(`${this.label}: upgrade refused with HTTP ${res.statusCode}`);
        err.statusCode = res.statusCode;
        res.resume();
        req.destroy();
        liveClients.delete(this);
        reject(err);
      });
      ws.on('open', () => { opened = true; resolve(this); });
      ws.on('error', (err) => { this.lastError = err; if (!opened) { liveClients.delete(this); reject(err); } });
      ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
      ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        liveClients.delete(this);
        this._poke();
      });
    });
  }

  _onMessage(data, isBinary) {
    let msg;
    try { msg = JSON.parse(data.toString('utf8')); } catch { msg = { type: 'unparseable', isBinary, raw: data.toString('utf8') }; }
    this.received.push(msg);
    if (msg.type === 'response') this.responses.push(msg);
    else if (msg.type === 'event') {
      if (typeof msg.seq === 'number') this.lastSeq = Math.max(this.lastSeq, msg.seq);
      this.events.push(msg);
    }
    this._poke();
  }

  _poke() { for (const w of [...this.waiters]) w(); }

  // Resolves with check()'s first non-undefined value, re-checked on every message and on close.
  _waitFor(check, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      let timer;
      const waiter = () => {
        let v;
        try { v = check(); } catch (e) { done(); reject(e); return; }
        if (v !== undefined) { done(); resolve(v); } else if (this.closed && what !== 'close') {
          done(); reject(new Error(`${this.label}: connection closed ${JSON.stringify(this.closed)} while waiting for ${what}`));
        }
      };
      const done = () => { clearTimeout(timer); this.waiters.delete(waiter); };
      timer = setTimeout(() => { done(); reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; pending events: ${JSON.stringify(this.events)}`)); }, timeoutMs);
      this.waiters.add(waiter);
      waiter();
    });
  }

  _take(list, pred) {
    const i = list.findIndex(pred);
    return i >= 0 ? list.splice(i, 1)[0] : undefined;
  }

  send(obj) { this.ws.send(JSON.stringify(obj)); }
  sendRaw(payload, { binary = false } = {}) { this.ws.send(payload, { binary }); }

  // Sends a request and resolves with its response (ok or not). opts: {id, v, timeoutMs}.
  request(type, data, { id, v = 1, timeoutMs = 5000 } = {}) {
    const reqId = id ?? this.nextId++;
    const msg = { v, id: reqId, type };
    if (data !== undefined) msg.data = data;
    this.send(msg);
    return this.waitResponse(reqId, timeoutMs);
  }

  waitResponse(id, timeoutMs = 5000) {
    return this._waitFor(() => this._take(this.responses, (r) => r.id === id), timeoutMs, `response id=${id}`);
  }

  // The next response, whatever its id (for raw frames whose id the server may not read).
  nextResponse(timeoutMs = 5000) {
    return this._waitFor(() => this.responses.shift(), timeoutMs, 'any response');
  }

  // The next error report for a bad frame: an error response or an `error` event carrying `code`.
  nextErrorReport(code, timeoutMs = 5000) {
    return this._waitFor(() => {
      const r = this._take(this.responses, (m) => m.ok === false && m.error?.code === code);
      if (r) return r.error;
      const e = this._take(this.events, (m) => m.event === 'error' && m.data?.code === code);
      return e ? e.data : undefined;
    }, timeoutMs, `error report ${code}`);
  }

  async ok(type, data) { return assertOk(await this.request(type, data), `${this.label} ${type}`); }
  async fails(type, data, code) { return assertError(await this.request(type, data), code, `${this.label} ${type}`); }

  // The enterRoom data for app/userId; opts: roomId | strRoomId, scene, role, privateMapKey, userSig, expire.
  enterData(app, userId, opts = {}) {
    const d = { sdkAppId: app.sdkAppId, userId, userSig: opts.userSig ?? userSig(app, userId, opts.expire) };
    for (const k of ['roomId', 'strRoomId', 'scene', 'role', 'privateMapKey']) if (opts[k] !== undefined) d[k] = opts[k];
    return d;
  }

  async enter(app, userId, opts = {}) {
    const resp = await this.request('enterRoom', this.enterData(app, userId, opts));
    if (resp.ok) this.session = { sessionId: resp.data.sessionId, resumeToken: resp.data.resumeToken };
    return resp;
  }

  async enterOk(app, userId, opts = {}) { return assertOk(await this.enter(app, userId, opts), `${this.label} enterRoom ${userId}`); }

  async resume(session, lastSeq = 0) {
    const resp = await this.request('resume', { sessionId: session.sessionId, resumeToken: session.resumeToken, lastSeq });
    if (resp.ok) this.session = { sessionId: resp.data.sessionId ?? session.sessionId, resumeToken: resp.data.resumeToken ?? session.resumeToken };
    return resp;
  }

  // Next queued event named `name` (others stay queued).
  nextEvent(name, timeoutMs = 3000) {
    return this._waitFor(() => this._take(this.events, (e) => e.event === name), timeoutMs, `event ${name}`);
  }

  // Next queued event of any name.
  nextAnyEvent(timeoutMs = 3000) {
    return this._waitFor(() => this.events.shift(), timeoutMs, 'any event');
  }

  // Waits ms and fails if an event `name` (optionally matching pred) arrived meanwhile or was queued.
  async expectNoEvent(name, ms = 400, pred = () => true) {
    await sleep(ms);
    const got = this.events.filter((e) => e.event === name && pred(e));
    assert.deepEqual(got, [], `${this.label}: unexpected ${name} event(s)`);
  }

  waitClose(timeoutMs = 5000) { return this._waitFor(() => this.closed ?? undefined, timeoutMs, 'close'); }

  async close() {
    if (!this.ws || this.closed) return;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    try { await this.waitClose(2000); } catch { this.ws.terminate(); }
  }

  // Drops the TCP connection without a close handshake.
  terminate() { this.ws.terminate(); }
}
