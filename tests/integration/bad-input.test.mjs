// Malformed and invalid input on the signaling channel (protocol.md Envelope, Errors, Limits; R18).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, assertError, assertOk, userSig, ERR, ERR_NAME,
} from './lib/harness.mjs';

const MAX = 4096;
const T = { timeout: 30000 };
let server;
let app;

before(async () => {
  server = await startServer({ 'signal.max_message_bytes': MAX, 'signal.max_bad_messages': 5 });
  app = await createApp(server);
});
after(() => server?.stop());
afterEach(() => closeAllClients());

const fresh = (label) => connectClient(server, label);
const enterData = (userId, extra = {}) => ({ sdkAppId: app.sdkAppId, userId, userSig: userSig(app, userId), roomId: newRoomId(), ...extra });

// Sends enterRoom with each data object; fails listing every case that did not give `code`.
async function expectCodes(client, datas, code) {
  const wrong = [];
  for (const data of datas) {
    const r = await client.request('enterRoom', data);
    if (r.ok || r.error.code !== code || r.error.name !== ERR_NAME[code]) {
      wrong.push({ userId: data.userId, roomId: data.roomId, strRoomId: data.strRoomId, sdkAppId: data.sdkAppId, role: data.role, scene: data.scene, got: r.ok ? 'ok' : r.error });
    }
    if (r.ok) await client.ok('exitRoom');
  }
  assert.deepEqual(wrong, [], `expected ${code} ${ERR_NAME[code]} for each case`);
}

// Sends one raw text frame and returns the next response.
async function rawResponse(client, text) {
  client.sendRaw(text);
  return client.nextResponse();
}

test('GET /healthz on the signaling listener answers 200 ok', T, async () => {
  const { status, body } = await new Promise((resolve, reject) => {
    const req = https.get(new URL('/healthz', server.url.replace(/^wss:/, 'https:')), { ca: server.ca, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('healthz timed out')));
    req.on('error', reject);
  });
  assert.equal(status, 200);
  assert.equal(body.trim(), 'ok');
});

test('unparseable frames → BAD_REQUEST with id null', T, async () => {
  for (const text of ['{not json', '[1,2,3]', '"just a string"', '42']) {
    const c = await fresh(`raw ${text}`);
    const r = await rawResponse(c, text);
    assertError(r, ERR.BAD_REQUEST, text);
    assert.equal(r.id, null, `id for ${text}`);
    assert.equal(r.v, 1);
    await c.ok('heartbeat'); // one bad frame does not end the connection
  }
});

test('wrong-typed or missing envelope/data fields → BAD_REQUEST with the id echoed', T, async () => {
  const c = await fresh('types');
  const cases = [
    [{ v: 1, id: 11, type: 42 }, 'type not a string'],
    [{ v: 1, id: 12 }, 'type missing'],
    [{ v: 1, id: 13, type: 'heartbeat', data: 'x' }, 'data not an object'],
    [{ v: 1, id: 14, type: 'enterRoom', data: { ...enterData('typer'), sdkAppId: String(app.sdkAppId) } }, 'sdkAppId as string'],
  ];
  for (const [msg, what] of cases) {
    const r = await rawResponse(c, JSON.stringify(msg));
    assertError(r, ERR.BAD_REQUEST, what);
    assert.equal(r.id, msg.id, `${what}: id echoed`);
  }
  const c2 = await fresh('types2');
  for (const [data, what] of [
    [{ ...enterData('typer'), userId: 42 }, 'userId as number'],
    [{ ...enterData('typer'), roomId: '12' }, 'roomId as string'],
    [{ ...enterData('typer'), userSig: 7 }, 'userSig as number'],
  ]) {
    const r = await c2.request('enterRoom', data);
    assertError(r, ERR.BAD_REQUEST, what);
  }
  const c3 = await fresh('ids');
  c3.send({ v: 1, id: 'abc', type: 'heartbeat' });
  const r = await c3.nextResponse();
  assertError(r, ERR.BAD_REQUEST, 'id as string');
  assert.ok(r.id === null || r.id === 'abc', `id: ${JSON.stringify(r.id)}`);
});

test('responses echo ids, come in request order, and unknown fields are ignored', T, async () => {
  const c = await fresh('order');
  assert.equal(c.closed, null);
  c.send({ v: 1, id: 900, type: 'heartbeat', extra: true, data: { future: 1 } });
  c.send({ v: 1, id: 2 ** 53 - 1, type: 'heartbeat' });
  c.send({ v: 1, id: 0, type: 'exitRoom' });
  c.send({ v: 1, id: 5, type: 'enterRoom', data: { ...enterData('order'), someFutureField: { x: 1 } } });
  const got = [];
  for (let i = 0; i < 4; i++) got.push(await c.nextResponse());
  assert.deepEqual(got.map((r) => r.id), [900, 2 ** 53 - 1, 0, 5]);
  assertOk(got[0]);
  assertOk(got[1]);
  assertError(got[2], ERR.INVALID_STATE, 'exitRoom before entering');
  assertOk(got[3], 'enterRoom with an unknown data field');
});

test('unknown type → UNKNOWN_TYPE; v 2 → UNSUPPORTED_VERSION', T, async () => {
  const c = await fresh('type');
  assert.equal(assertError(await c.request('teleport', {}), ERR.UNKNOWN_TYPE, 'unknown').code, 4001);
  const r = await c.request('heartbeat', undefined, { v: 2, id: 77 });
  assertError(r, ERR.UNSUPPORTED_VERSION, 'v 2');
  assert.equal(r.id, 77);
  await c.ok('heartbeat');
});

test('binary frame → error event BINARY_NOT_SUPPORTED (no seq outside a session)', T, async () => {
  const c = await fresh('binary');
  c.sendRaw(Buffer.from(JSON.stringify({ v: 1, id: 1, type: 'heartbeat' })), { binary: true });
  const e = await c.nextEvent('error');
  assert.equal(e.data.code, ERR.BINARY_NOT_SUPPORTED);
  assert.equal(e.data.name, 'BINARY_NOT_SUPPORTED');
  assert.equal(typeof e.data.message, 'string');
  assert.equal(e.seq, undefined);
  await c.ok('heartbeat');
});

test('text frame above max_message_bytes → MESSAGE_TOO_LARGE, connection stays usable', T, async () => {
  const c = await fresh('large');
  c.send({ v: 1, id: 1, type: 'heartbeat', data: { pad: 'x'.repeat(MAX + 100) } });
  const err = await c.nextErrorReport(ERR.MESSAGE_TOO_LARGE);
  assert.equal(err.name, 'MESSAGE_TOO_LARGE');
  await c.ok('heartbeat');
  // Just under the limit is fine.
  const ok = { v: 1, id: 2, type: 'heartbeat', data: { pad: '' } };
  ok.data.pad = 'x'.repeat(MAX - JSON.stringify(ok).length - 10);
  c.send(ok);
  assertOk(await c.waitResponse(2), 'frame just under the limit');
});

test('after max_bad_messages bad inputs the socket is closed with 1008', T, async () => {
  const c = await fresh('bad');
  const bad = [
    () => c.sendRaw('{oops'),                                                  // 4000
    () => c.send({ v: 1, id: 1, type: 'nope' }),                               // 4001
    () => c.send({ v: 3, id: 2, type: 'heartbeat' }),                          // 4002
    () => c.sendRaw(Buffer.from('bin'), { binary: true }),                     // 4011
  ];
  for (const send of bad) send();
  for (const code of [4000, 4001, 4002, 4011]) assert.equal((await c.nextErrorReport(code)).name, ERR_NAME[code]);
  await c.ok('heartbeat'); // 4 bad inputs: still open; good requests do not count
  c.send({ v: 1, id: 3, type: 'heartbeat', data: { pad: 'y'.repeat(MAX * 2) } }); // 4010: the 5th
  const closed = await c.waitClose(5000);
  assert.equal(closed.code, 1008);
});

test('a frame above 4 × max_message_bytes closes the socket with 1009', T, async () => {
  const c = await fresh('huge');
  c.sendRaw('x'.repeat(MAX * 4 + 1000));
  const closed = await c.waitClose(5000);
  assert.equal(closed.code, 1009);
});

test('invalid userId → INVALID_USER_ID', T, async () => {
  const c = await fresh('uid');
  await expectCodes(c, ['bad user', 'a'.repeat(33), '', 'bob!', 'ünï', 'a/b'].map((userId) => enterData(userId)), ERR.INVALID_USER_ID);
  await c.enterOk(app, 'A-z_09'.padEnd(32, 'x'), { roomId: newRoomId() }); // 32 bytes of the allowed set
});

test('invalid roomId / strRoomId → INVALID_ROOM_ID', T, async () => {
  const c = await fresh('rid');
  const bad = [
    { roomId: 4294967295 }, { roomId: -5 }, { roomId: 0 },
    { roomId: undefined, strRoomId: '' }, { roomId: undefined, strRoomId: 'a/b' }, { roomId: undefined, strRoomId: 'x'.repeat(65) },
    { roomId: undefined, strRoomId: 'tab\there' }, { roomId: undefined, strRoomId: 'quote"d' }, { roomId: undefined, strRoomId: 'é' },
  ];
  await expectCodes(c, bad.map((extra) => enterData('roomy', extra)), ERR.INVALID_ROOM_ID);
  // The edges of the rules are accepted.
  await c.enterOk(app, 'roomy', { roomId: 4294967294 });
  await c.ok('exitRoom');
  const allChars = ' !#$%&()+-:;<=.>?@[]^_{}|~,';
  const edge = (allChars + 'aZ9').padEnd(64, 'q');
  const d = await c.enterOk(app, 'roomy', { strRoomId: edge });
  assert.equal(d.strRoomId, edge);
});

test('out-of-range parameters → INVALID_PARAMETER', T, async () => {
  const c = await fresh('param');
  await expectCodes(c, [{ sdkAppId: 0 }, { role: 'king' }, { scene: 'party' }].map((extra) => enterData('param', extra)), ERR.INVALID_PARAMETER);
});

test('requests that need a room, sent before entering → INVALID_STATE', T, async () => {
  const c = await fresh('state');
  assertError(await c.request('sendCustomMessage', { cmdId: 1, data: 'eA==' }), ERR.INVALID_STATE, 'sendCustomMessage');
  assertError(await c.request('switchRole', { role: 'anchor' }), ERR.INVALID_STATE, 'switchRole');
  assertError(await c.request('exitRoom'), ERR.INVALID_STATE, 'exitRoom');
  await c.enterOk(app, 'state', { roomId: newRoomId() }); // these are not bad input: the socket is fine
});

test('after all of that, the server is alive and a fresh client enters', T, async () => {
  assert.ok(server.isRunning(), 'atriumd still running');
  const roomId = newRoomId();
  const [a, b] = await Promise.all([fresh('a'), fresh('b')]);
  await a.enterOk(app, 'after_a', { roomId });
  assert.deepEqual((await b.enterOk(app, 'after_b', { roomId })).users, [{ userId: 'after_a', role: 'anchor' }]);
  await a.nextEvent('remote-user-enter');
});
