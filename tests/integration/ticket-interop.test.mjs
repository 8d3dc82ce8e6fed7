// Tickets from the official tls-sig-api-v2 package and from `atrium usersig` / `atrium
// privatemapkey` are accepted for random users, expiries and rooms (R3, trtc-compat §1-2).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, assertOk, userSig, privateMapKey,
  cliUserSig, cliPrivateMapKey, PRIV,
} from './lib/harness.mjs';

const T = { timeout: 60000 };
let server;
let app;
let adv;

before(async () => {
  server = await startServer();
  [app, adv] = await Promise.all([createApp(server), createApp(server, { advancedPermission: true })]);
});
after(() => server?.stop());
afterEach(() => closeAllClients());

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const ROOM_CHARS = `${ID_CHARS.slice(0, 62)} !#$%&()+-:;<=.>?@[]^_{}|~,`;
const rnd = (n) => Math.floor(Math.random() * n);
const rndString = (chars, min, max) => Array.from({ length: min + rnd(max - min + 1) }, () => chars[rnd(chars.length)]).join('');
const nowS = () => Math.floor(Date.now() / 1000);

test('50 random users with tls-sig-api-v2 tickets all enter (numeric/string rooms, PMKs)', T, async () => {
  const used = new Set();
  const cases = [];
  while (cases.length < 50) {
    const userId = rndString(ID_CHARS, 1, 32);
    if (used.has(userId)) continue;
    used.add(userId);
    const i = cases.length;
    const expire = [60, 300, 3600, 86400, 86400 * 180][rnd(5)] + rnd(1000);
    const room = i % 3 === 0 ? rndString(ROOM_CHARS, 1, 64) : newRoomId();
    cases.push({ userId, expire, room, advanced: i % 4 === 1 });
  }
  const failures = [];
  for (const k of cases) {
    const theApp = k.advanced ? adv : app;
    const opts = typeof k.room === 'number' ? { roomId: k.room } : { strRoomId: k.room };
    opts.userSig = userSig(theApp, k.userId, k.expire);
    if (k.advanced) opts.privateMapKey = privateMapKey(theApp, k.userId, k.room, PRIV.ENTER | PRIV.CREATE | rnd(256), k.expire);
    const c = await connectClient(server, k.userId);
    const r = await c.enter(theApp, k.userId, opts);
    if (!r.ok) failures.push({ ...k, error: r.error });
    else if (typeof k.room === 'number') assert.equal(r.data.roomId, k.room);
    else assert.equal(r.data.strRoomId, k.room);
    if (r.ok) await c.ok('exitRoom');
    await c.close();
  }
  assert.deepEqual(failures, [], 'every valid ticket is accepted');
});

test('tickets from `atrium usersig` are accepted like the official ones', T, async () => {
  for (const [i, opts] of [{}, { expire: 600 }, { expire: 86400, time: nowS() - 3600 }, { time: nowS() - 30 }].entries()) {
    const userId = `cli_user-${i}`;
    const sig = await cliUserSig(app, userId, opts);
    assert.match(sig, /^[A-Za-z0-9*_-]+$/, 'a UserSig uses the base64url\' alphabet');
    const c = await connectClient(server, userId);
    assertOk(await c.enter(app, userId, { roomId: newRoomId(), userSig: sig }), `atrium usersig ${JSON.stringify(opts)}`);
  }
});

test('`atrium privatemapkey` tickets (numeric and string rooms) are accepted', T, async () => {
  const roomId = newRoomId();
  const str = `cli room ${rnd(1e6)}`;
  const a = await connectClient(server, 'pmk_num');
  assertOk(await a.enter(adv, 'pmk_num', {
    roomId, userSig: await cliUserSig(adv, 'pmk_num'), privateMapKey: await cliPrivateMapKey(adv, 'pmk_num', roomId, 3),
  }), 'numeric room');
  const b = await connectClient(server, 'pmk_str');
  assertOk(await b.enter(adv, 'pmk_str', {
    strRoomId: str, privateMapKey: await cliPrivateMapKey(adv, 'pmk_str', str, 255, { expire: 600, time: nowS() - 60 }),
  }), 'string room');
});

test('tickets of both generators interoperate in one room', T, async () => {
  const roomId = newRoomId();
  const x = await connectClient(server, 'x');
  const y = await connectClient(server, 'y');
  await x.enterOk(app, 'node_made', { roomId });
  const d = await y.enterOk(app, 'cli_made', { roomId, userSig: await cliUserSig(app, 'cli_made') });
  assert.deepEqual(d.users, [{ userId: 'node_made', role: 'anchor' }]);
  assert.equal((await x.nextEvent('remote-user-enter')).data.userId, 'cli_made');
});
