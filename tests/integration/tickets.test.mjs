// Every UserSig / PrivateMapKey failure, seen through enterRoom (protocol.md Errors 700xx; R3).
// Each refusal is followed by a healthy check: the refused connection can still enter with a good
// ticket, a long-lived client keeps working, and a fresh client enters.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  startServer, createApp, runCli, connectClient, newRoomId, newStrRoomId, newUserId, assertError,
  userSig, privateMapKey, cliUserSig, cliPrivateMapKey, decodeTicket, encodeTicket, PRIV, ERR, untilSettingsSeen,
} from './lib/harness.mjs';

const { Api } = createRequire(import.meta.url)('tls-sig-api-v2');
const T = { timeout: 30000 };
let server;
let app;     // plain app
let other;   // another plain app (its key signs "foreign" tickets)
let adv;     // advanced permission control
let healthy; // a client that stays in a room for the whole file

before(async () => {
  server = await startServer();
  [app, other, adv] = await Promise.all([createApp(server), createApp(server), createApp(server, { advancedPermission: true })]);
  healthy = await connectClient(server, 'healthy');
  await healthy.enterOk(app, 'healthy', { roomId: newRoomId() });
});
after(() => server?.stop());
afterEach(async () => {
  // The server still serves others after the refusal.
  await healthy.ok('heartbeat');
  const fresh = await connectClient(server, 'fresh');
  await fresh.enterOk(app, newUserId('fresh'), { roomId: newRoomId() });
  await fresh.close();
});

const nowS = () => Math.floor(Date.now() / 1000);

// Asserts that enterRoom with `opts` fails with `code`, then that the same connection enters with
// a good ticket (`retry` = corrected opts; default: a fresh UserSig and no other overrides).
async function refused(code, theApp, userId, opts, retry = {}) {
  const c = await connectClient(server, `refused-${code}`);
  const roomId = opts.roomId ?? (opts.strRoomId ? undefined : newRoomId());
  assertError(await c.enter(theApp, userId, { roomId, ...opts }), code, `enterRoom expecting ${code}`);
  assert.equal(c.closed, null, 'a refused entry does not close the connection');
  await c.enterOk(theApp, userId, { roomId: newRoomId(), ...retry });
  await c.close();
}

test('expired UserSig (atrium usersig --time in the past) → USERSIG_EXPIRED', T, async () => {
  const u = newUserId('exp');
  const sig = await cliUserSig(app, u, { expire: 60, time: nowS() - 86400 });
  await refused(ERR.USERSIG_EXPIRED, app, u, { userSig: sig });
});

test('empty UserSig → USERSIG_EMPTY; missing field → BAD_REQUEST', T, async () => {
  const u = newUserId('empty');
  await refused(ERR.USERSIG_EMPTY, app, u, { userSig: '' });
  const c = await connectClient(server, 'nosig');
  assertError(await c.request('enterRoom', { sdkAppId: app.sdkAppId, userId: u, roomId: newRoomId() }), ERR.BAD_REQUEST, 'no userSig');
});

test('malformed UserSigs → USERSIG_MALFORMED', T, async () => {
  const u = newUserId('mal');
  const good = userSig(app, u);
  const cases = {
    garbage: 'garbage!!not a ticket',
    truncated: good.slice(0, Math.floor(good.length / 2)),
    'not zlib': Buffer.from('hello world, not compressed').toString('base64').replace(/=/g, '_'),
    'not JSON': encodeTicket('TLS.identifier=nope'),
    'JSON array': encodeTicket('[1,2,3]'),
    'sig missing': encodeTicket({ ...decodeTicket(good), 'TLS.sig': undefined }),
    'time as string': encodeTicket({ ...decodeTicket(good), 'TLS.time': String(decodeTicket(good)['TLS.time']) }),
  };
  for (const [name, sig] of Object.entries(cases)) {
    const c = await connectClient(server, name);
    assertError(await c.enter(app, u, { roomId: newRoomId(), userSig: sig }), ERR.USERSIG_MALFORMED, name);
    await c.close();
  }
  await refused(ERR.USERSIG_MALFORMED, app, u, { userSig: cases.truncated });
});

test('UserSig signed with another app\'s key or tampered → USERSIG_BAD_SIGNATURE', T, async () => {
  const u = newUserId('sig');
  await refused(ERR.USERSIG_BAD_SIGNATURE, app, u, { userSig: new Api(app.sdkAppId, other.secretKey).genSig(u, 3600) });
  // Valid ticket with its expiry stretched: the HMAC no longer matches.
  const t = decodeTicket(userSig(app, u, 60));
  await refused(ERR.USERSIG_BAD_SIGNATURE, app, u, { userSig: encodeTicket({ ...t, 'TLS.expire': 999999 }) });
});

test('UserSig issued for another userId → USERSIG_WRONG_USER (case-sensitive)', T, async () => {
  await refused(ERR.USERSIG_WRONG_USER, app, 'carol', { userSig: userSig(app, 'mallory') });
  await refused(ERR.USERSIG_WRONG_USER, app, 'carol', { userSig: userSig(app, 'Carol') });
});

test('UserSig issued for another sdkAppId → USERSIG_WRONG_APP', T, async () => {
  const u = newUserId('app');
  // Correct key, but the ticket names the other app: only the app is wrong.
  await refused(ERR.USERSIG_WRONG_APP, app, u, { userSig: new Api(other.sdkAppId, app.secretKey).genSig(u, 3600) });
});

test('a PrivateMapKey passed as UserSig → USERSIG_UNEXPECTED_USERBUF', T, async () => {
  const u = newUserId('pmk');
  const roomId = newRoomId();
  await refused(ERR.USERSIG_UNEXPECTED_USERBUF, app, u, { roomId, userSig: privateMapKey(app, u, roomId, PRIV.ALL) });
});

test('unknown, disabled and deleted apps → APP_NOT_FOUND / APP_DISABLED', T, async () => {
  const c = await connectClient(server, 'apps');
  const ghost = { sdkAppId: 4294967295, secretKey: 'no-such-key' };
  assertError(await c.enter(ghost, 'ghost', { roomId: newRoomId() }), ERR.APP_NOT_FOUND, 'unknown app');

  const dis = await createApp(server);
  await c.enterOk(dis, 'early', { roomId: newRoomId() });
  await c.ok('exitRoom');
  await runCli(server, ['app', 'disable', String(dis.sdkAppId)]);
  // Seen on the daemon's next settings poll: an entry a moment after may still get in.
  const enterOrLeave = async (theApp) => {
    const r = await c.enter(theApp, 'late', { roomId: newRoomId() });
    if (r.ok) await c.ok('exitRoom');
    return r;
  };
  assertError(await untilSettingsSeen(() => enterOrLeave(dis), (r) => !r.ok), ERR.APP_DISABLED, 'disabled app');

  const del = await createApp(server);
  await runCli(server, ['app', 'delete', String(del.sdkAppId)]);
  const r = await untilSettingsSeen(() => enterOrLeave(del), (x) => !x.ok);
  assert.equal(r.ok, false);
  assert.ok([ERR.APP_DISABLED, ERR.APP_NOT_FOUND].includes(r.error.code), `deleted app: ${JSON.stringify(r.error)}`);
});

// ---- advanced permission control -------------------------------------------------------------

test('advanced app: no PrivateMapKey → PRIVMAPKEY_MISSING; with one → OK', T, async () => {
  const u = newUserId('adv');
  const roomId = newRoomId();
  await refused(ERR.PRIVMAPKEY_MISSING, adv, u, { roomId },
    { roomId, privateMapKey: privateMapKey(adv, u, roomId, PRIV.CREATE | PRIV.ENTER) });
});

test('advanced app: PrivateMapKey for another room → PRIVMAPKEY_WRONG_ROOM', T, async () => {
  const u = newUserId('room');
  const roomId = newRoomId();
  const str = newStrRoomId();
  const ok = { roomId, privateMapKey: privateMapKey(adv, u, roomId, PRIV.ALL) };
  await refused(ERR.PRIVMAPKEY_WRONG_ROOM, adv, u, { roomId, privateMapKey: privateMapKey(adv, u, roomId + 1, PRIV.ALL) }, ok);
  // The string room "<roomId>" is another room than the numeric one.
  await refused(ERR.PRIVMAPKEY_WRONG_ROOM, adv, u, { roomId, privateMapKey: privateMapKey(adv, u, String(roomId), PRIV.ALL) }, ok);
  await refused(ERR.PRIVMAPKEY_WRONG_ROOM, adv, u, { strRoomId: str, privateMapKey: privateMapKey(adv, u, `${str}x`, PRIV.ALL) }, ok);
});

test('advanced app: missing privilege bits → PRIVMAPKEY_NO_PRIVILEGE; create bit needed for a new room', T, async () => {
  const [u1, u2] = [newUserId('p1'), newUserId('p2')];
  const roomId = newRoomId();
  // No enter bit (create + send audio only).
  await refused(ERR.PRIVMAPKEY_NO_PRIVILEGE, adv, u1, { roomId, privateMapKey: privateMapKey(adv, u1, roomId, PRIV.CREATE | PRIV.SEND_AUDIO) },
    { roomId, privateMapKey: privateMapKey(adv, u1, roomId, PRIV.CREATE | PRIV.ENTER) });
  // Enter without create into a room that does not exist yet.
  const fresh = newRoomId();
  const c = await connectClient(server, 'creator');
  assertError(await c.enter(adv, u2, { roomId: fresh, privateMapKey: privateMapKey(adv, u2, fresh, PRIV.ENTER) }), ERR.PRIVMAPKEY_NO_PRIVILEGE, 'no create bit');
  await c.enterOk(adv, u2, { roomId: fresh, privateMapKey: privateMapKey(adv, u2, fresh, PRIV.ENTER | PRIV.CREATE) });
  // Now the room exists: enter alone suffices.
  const d = await connectClient(server, 'joiner');
  const u3 = newUserId('p3');
  const j = await d.enterOk(adv, u3, { roomId: fresh, privateMapKey: privateMapKey(adv, u3, fresh, PRIV.ENTER | PRIV.RECV_AUDIO | PRIV.RECV_VIDEO) });
  assert.deepEqual(j.users, [{ userId: u2, role: 'anchor' }]);
});

test('advanced app: string-room PrivateMapKeys and PrivateMapKeys from atrium privatemapkey work', T, async () => {
  const u = newUserId('s');
  const str = newStrRoomId('adv room');
  const c = await connectClient(server, 'str');
  await c.enterOk(adv, u, { strRoomId: str, privateMapKey: privateMapKey(adv, u, str, PRIV.ALL) });
  await c.ok('exitRoom');
  const roomId = newRoomId();
  await c.enterOk(adv, u, { roomId, privateMapKey: await cliPrivateMapKey(adv, u, roomId, PRIV.CREATE | PRIV.ENTER) });
});

test('advanced app: malformed, foreign-key, expired, foreign-app and wrong-user PrivateMapKeys', T, async () => {
  const u = newUserId('pk');
  const roomId = newRoomId();
  const ok = { roomId, privateMapKey: privateMapKey(adv, u, roomId, PRIV.ALL) };
  const expired = await cliPrivateMapKey(adv, u, roomId, PRIV.ALL, { expire: 60, time: nowS() - 86400 });
  const cases = [
    [ERR.PRIVMAPKEY_MALFORMED, 'garbage-private-map-key'],
    [ERR.PRIVMAPKEY_MALFORMED, privateMapKey(adv, u, roomId, PRIV.ALL).slice(0, 40)],
    [ERR.PRIVMAPKEY_BAD_SIGNATURE, new Api(adv.sdkAppId, other.secretKey).genPrivateMapKey(u, 3600, roomId, PRIV.ALL)],
    [ERR.PRIVMAPKEY_EXPIRED, expired],
    [ERR.PRIVMAPKEY_WRONG_APP, new Api(other.sdkAppId, adv.secretKey).genPrivateMapKey(u, 3600, roomId, PRIV.ALL)],
    [ERR.PRIVMAPKEY_WRONG_USER, privateMapKey(adv, 'somebody_else', roomId, PRIV.ALL)],
  ];
  for (const [code, pmk] of cases) await refused(code, adv, u, { roomId, privateMapKey: pmk }, ok);
  // The UserSig is still checked on an advanced app.
  await refused(ERR.USERSIG_BAD_SIGNATURE, adv, u, { ...ok, userSig: new Api(adv.sdkAppId, other.secretKey).genSig(u, 3600) }, ok);
});
