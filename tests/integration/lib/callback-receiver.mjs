// An HTTPS receiver for atriumd's event callbacks (trtc-compat §6), on 127.0.0.1 with its own
// self-signed certificate (atriumd trusts it through --callback.ca_file).
//
//   const cert = await selfSignedCert();               // {dir, certPath, keyPath, cert, key}
//   const rx = await CallbackReceiver.start(cert);     // rx.url, rx.port
//   rx.key = callbackKey;                              // every request's Sign is checked with it
//   const ev = await rx.waitFor((e) => e.body.EventType === 103, 5000);
//   await rx.stop();  ...  await rx.listen();          // down, then back on the same port
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

// A throwaway CA-less self-signed certificate for 127.0.0.1 / localhost, made with openssl.
// san: the subjectAltName (default: the receiver's 127.0.0.1 and localhost).
export async function selfSignedCert({ cn = 'atrium-test-callback-receiver', san = 'IP:127.0.0.1,DNS:localhost' } = {}) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'atrium-cb-'));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  await new Promise((resolve, reject) => {
    execFile('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${cn}`,
      '-addext', `subjectAltName=${san}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ], { timeout: 15000 }, (err, stdout, stderr) => (err ? reject(new Error(`openssl req failed: ${err.message}\n${stderr}`)) : resolve()));
  });
  return {
    dir, certPath, keyPath,
    cert: await fsp.readFile(certPath), key: await fsp.readFile(keyPath),
    remove: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

export const callbackSign = (key, rawBody) => crypto.createHmac('sha256', key).update(rawBody).digest('base64');

export class CallbackReceiver {
  // Starts listening on 127.0.0.1:port (0: a free port).
  static async start(cert, { port = 0, path: urlPath = '/trtc/callback' } = {}) {
    const rx = new CallbackReceiver(cert, urlPath);
    await rx.listen(port);
    return rx;
  }

  constructor(cert, urlPath) {
    this.cert = cert;
    this.path = urlPath;
    this.key = null;        // callback key: when set, each request's Sign header is checked
    this.status = 200;      // HTTP status to answer with (tests may simulate a failing receiver)
    this.requests = [];     // every request received: {at, method, url, headers, raw, body, signOk}
    this.problems = [];     // requests that broke the contract (method, path, headers, JSON, Sign)
    this.waiters = new Set();
    this.sockets = new Set();
    this.server = null;
    this.port = 0;
  }

  get url() { return `https://127.0.0.1:${this.port}${this.path}`; }
  get events() { return this.requests.filter((r) => r.body && typeof r.body === 'object'); }

  listen(port = this.port) {
    return new Promise((resolve, reject) => {
      const server = https.createServer({ cert: this.cert.cert, key: this.cert.key }, (req, res) => this._onRequest(req, res));
      server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        this.port = server.address().port;
        resolve(this);
      });
    });
  }

  // Stops accepting and drops open connections: atriumd then sees connection refused/reset.
  async stop() {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  _onRequest(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const entry = { at: Date.now(), method: req.method, url: req.url, headers: req.headers, raw, body: null, signOk: null };
      const problems = [];
      if (req.method !== 'POST') problems.push(`method ${req.method}`);
      if (req.url !== this.path) problems.push(`path ${req.url}`);
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) problems.push(`content-type ${req.headers['content-type']}`);
      try { entry.body = JSON.parse(raw.toString('utf8')); } catch { problems.push('body is not JSON'); }
      if (this.key !== null) {
        entry.signOk = req.headers.sign === callbackSign(this.key, raw);
        if (!entry.signOk) problems.push(`Sign ${req.headers.sign} does not match the body`);
      }
      if (problems.length) this.problems.push({ problems, headers: req.headers, raw: raw.toString('utf8').slice(0, 500) });
      this.requests.push(entry);
      res.writeHead(this.status, { 'Content-Type': 'application/json' });
      res.end(this.status === 200 ? '{"code":0}' : '{"code":1}');
      for (const w of [...this.waiters]) w();
    });
  }

  // Resolves with check()'s first non-undefined value, re-checked on every request.
  waitUntil(check, timeoutMs, what = 'callbacks') {
    return new Promise((resolve, reject) => {
      let timer;
      const waiter = () => {
        let v;
        try { v = check(); } catch (e) { done(); reject(e); return; }
        if (v !== undefined) { done(); resolve(v); }
      };
      const done = () => { clearTimeout(timer); this.waiters.delete(waiter); };
      timer = setTimeout(() => {
        done();
        reject(new Error(`callback receiver: timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.body))}`));
      }, timeoutMs);
      this.waiters.add(waiter);
      waiter();
    });
  }

  // The first event body matching pred.
  waitFor(pred, timeoutMs = 5000, what = 'a matching callback') {
    return this.waitUntil(() => this.events.find((e) => pred(e.body, e))?.body, timeoutMs, what);
  }

  // Every event body matching pred once there are at least n of them.
  waitForCount(pred, n, timeoutMs = 5000, what = `${n} matching callbacks`) {
    return this.waitUntil(() => {
      const got = this.events.filter((e) => pred(e.body, e)).map((e) => e.body);
      return got.length >= n ? got : undefined;
    }, timeoutMs, what);
  }

  assertNoProblems() {
    assert.deepEqual(this.problems, [], 'callback requests that broke the contract (method/path/content-type/JSON/Sign)');
  }
}
