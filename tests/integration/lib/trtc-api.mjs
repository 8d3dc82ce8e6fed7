// Clients of atriumd's TRTC-compatible server API (trtc-compat §3–§4): the official
// `tencentcloud-sdk-nodejs` client pointed at the test server, and a small TC3-HMAC-SHA256 signer
// for raw requests the SDK cannot produce (wrong version header, garbage bodies, other clients'
// signing quirks).
//
//   const key = await createApiKey(server, app);
//   const api = apiClient(server, key);
//   await api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: 1234 });
//   const err = await sdkError(api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: 99 }));
//   assertApiCode(err, 'FailedOperation.RoomNotExist');
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import https from 'node:https';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tencentcloud = require('tencentcloud-sdk-nodejs');
const { CommonClient } = require('tencentcloud-sdk-nodejs/tencentcloud/common/common_client.js');

export const API_VERSION = '2019-07-22';
export const API_SERVICE = 'trtc';
// The Node SDK derives the TC3 service from the endpoint's first label (trtc-compat §3.3 quirk 3):
// an endpoint `trtc.localhost:<port>` makes it sign service `trtc` and host `trtc.localhost`.
export const API_HOST = 'trtc.localhost';

function requireApi(server) {
  assert.equal(typeof server.apiPort, 'number', `atriumd ready file has no api.port: ${JSON.stringify(server.ready)}`);
}

// An https.Agent for the API (and anything else served with the dev certificate):
// - `lookup` resolves every hostname to 127.0.0.1, so `trtc.localhost` (the name the SDK must use
//   to sign service `trtc`) reaches the test server whatever the resolver thinks of *.localhost;
// - `ca` trusts the dev certificate (self-signed, SAN localhost and 127.0.0.1);
// - `servername: 'localhost'`: without it Node checks the certificate against the URL's hostname
//   `trtc.localhost`, which the SAN does not list ("Hostname/IP does not match certificate's
//   altnames"). Agent options override the per-request options in Node's http Agent, so both the
//   SNI name and tls.checkServerIdentity use `localhost`, which the SAN lists; the HTTP Host header
//   (and so the TC3 signature) still says trtc.localhost:<port>. Verification stays on: a wrong
//   certificate still fails.
export function loopbackAgent(ca) {
  return new https.Agent({
    ca,
    servername: 'localhost',
    keepAlive: false,
    lookup: (hostname, opts, cb) => {
      if (typeof opts === 'function') { cb = opts; opts = {}; }
      if (opts && opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    },
  });
}

const agents = new WeakMap();
function agentFor(server) {
  if (!agents.has(server)) agents.set(server, loopbackAgent(server.ca));
  return agents.get(server);
}

function profile(server, { reqTimeout = 10 } = {}) {
  return { httpProfile: { endpoint: `${API_HOST}:${server.apiPort}`, agent: agentFor(server), reqTimeout } };
}

// The official SDK's trtc client for key = {secretId, secretKey}.
export function apiClient(server, key, { region = 'ap-guangzhou', reqTimeout } = {}) {
  requireApi(server);
  return new tencentcloud.trtc.v20190722.Client({
    credential: { secretId: key.secretId, secretKey: key.secretKey },
    region,
    profile: profile(server, { reqTimeout }),
  });
}

// The SDK's generic client (tencentcloud/common) with any API version: signs like the trtc client
// but sends X-TC-Version: <version>.
export function apiClientWithVersion(server, key, version, { region = 'ap-guangzhou' } = {}) {
  requireApi(server);
  return new CommonClient(`${API_HOST}:${server.apiPort}`, version, {
    credential: { secretId: key.secretId, secretKey: key.secretKey },
    region,
    profile: profile(server),
  });
}

// Resolves with the error a call rejects with; fails if it succeeded.
export async function sdkError(promise, what = 'API call') {
  try {
    const r = await promise;
    assert.fail(`${what}: expected an error, got ${JSON.stringify(r)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return e;
  }
}

// Asserts an SDK error's code: `code` exactly, or (with allowBare) either `Base.Sub` or `Base`
// (the brief allows `InvalidParameter[.Name]`).
export function assertApiCode(err, code, what = '') {
  const ctx = `${what}: ${JSON.stringify({ code: err?.code, message: err?.message, httpCode: err?.httpCode, requestId: err?.requestId })}`;
  assert.ok(err && typeof err.code === 'string', `${ctx}: no API error code (SDK errors without .code are transport/HTTP failures)`);
  const allowed = Array.isArray(code) ? code : [code];
  assert.ok(allowed.includes(err.code), `${ctx}: expected ${allowed.join(' | ')}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.requestId, `${ctx}: error envelope lacks RequestId`);
  return err;
}

// `Base` or `Base.<Name>`: parameter errors may name the parameter.
export const codeOrNamed = (base, name) => [base, `${base}.${name}`];

// Runs fn (which starts SDK calls) with the process clock shifted by offsetSeconds. The SDK reads
// the time as `new Date().getTime()` (not Date.now), so the global Date is replaced by a subclass
// whose argument-less constructor and now() are shifted; restored when fn's promise settles.
// Only for sequential tests: other code in the process sees the shifted clock meanwhile.
export async function withClockOffset(offsetSeconds, fn) {
  const RealDate = globalThis.Date;
  const shift = offsetSeconds * 1000;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + shift);
      else super(...args);
    }
    static now() { return RealDate.now() + shift; }
  }
  globalThis.Date = ShiftedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// ---------------------------------------------------------------------------------------------
// Raw requests with an own TC3-HMAC-SHA256 signer (trtc-compat §3.2)

const sha256hex = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, msg) => crypto.createHmac('sha256', key).update(msg).digest();

// Authorization header value. headers: the request headers (any case); signedHeaders: the lower-
// case names to sign (values are lower-cased and trimmed, as the official doc says).
export function tc3Authorization({ secretId, secretKey, method = 'POST', path = '/', query = '', headers, signedHeaders = ['content-type', 'host'], body = '', timestamp, service = API_SERVICE }) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const names = [...signedHeaders].map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((h) => `${h}:${(lower[h] ?? '').trim().toLowerCase()}\n`).join('');
  const signed = names.join(';');
  const canonicalRequest = [method, path, query, canonicalHeaders, signed, sha256hex(body)].join('\n');
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256hex(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request');
  const signature = crypto.createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
}

// Sends one HTTPS request to the API and resolves {status, headers, text, json} (json is null when
// the body is not JSON). Never rejects on HTTP status; rejects on transport errors and timeout.
//   action, version, body (string | Buffer | object → JSON), key ({secretId, secretKey}; omit for
//   an unsigned request), method, contentType, timestamp (s), signedHeaders, signHost (the host
//   value to sign: default the Node SDK's port-less host), headers (extra / overriding headers;
//   a null value removes a header), authorization (replaces the computed one).
export function rawApiRequest(server, opts = {}) {
  requireApi(server);
  const {
    action = 'DescribeScaleInfo', version = API_VERSION, key, method = 'POST', region = 'ap-guangzhou',
    contentType = 'application/json', timestamp = Math.floor(Date.now() / 1000), signedHeaders,
    signHost = API_HOST, timeoutMs = 10000,
  } = opts;
  let body = opts.body ?? '';
  if (typeof body === 'object' && !Buffer.isBuffer(body)) body = JSON.stringify(body);
  const bodyBuf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const host = `${API_HOST}:${server.apiPort}`;
  const headers = {
    Host: host, 'Content-Type': contentType, 'X-TC-Action': action, 'X-TC-Timestamp': String(timestamp),
    'X-TC-Version': version, 'X-TC-Region': region, 'Content-Length': String(bodyBuf.length),
  };
  if (key) {
    const signHeaders = { ...headers, Host: signHost };
    headers.Authorization = opts.authorization ?? tc3Authorization({
      secretId: key.secretId, secretKey: key.secretKey, method, headers: signHeaders, body: bodyBuf, timestamp,
      ...(signedHeaders ? { signedHeaders } : {}),
    });
  } else if (opts.authorization !== undefined) {
    headers.Authorization = opts.authorization;
  }
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === k.toLowerCase()) delete headers[existing];
    if (v !== null) headers[k] = v;
  }
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: server.apiPort, path: '/', method, headers, agent: agentFor(server),
      timeout: timeoutMs,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`raw API request timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(bodyBuf);
  });
}

// The Error.Code of a raw response's envelope (undefined on success); asserts the envelope shape.
export function envelopeCode(res, what = '') {
  assert.ok(res.json && typeof res.json.Response === 'object', `${what}: HTTP ${res.status}, not a Response envelope: ${res.text.slice(0, 300)}`);
  assert.equal(typeof res.json.Response.RequestId, 'string', `${what}: envelope without RequestId: ${res.text.slice(0, 300)}`);
  return res.json.Response.Error?.Code;
}
