// Entering and leaving rooms, room lifetime, duplicate userIds (protocol.md enterRoom/exitRoom; R2, R4).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, newStrRoomId, assertError, assertOk, ERR,
} from './lib/harness.mjs';

const T = { timeout: 30000 };
let server;
let app;

before(async () => {
  server = await startServer();
  app = await createApp(server);
});
after(() => server?.stop());
afterEach(() => closeAllClients());

test('enterRoom returns the documented session fields', T, async () => {
  const roomId = newRoomId();
  const alice = await connectClient(server, 'alice');
  const before = Date.now();
  const d = await alice.enterOk(app, 'alice', { roomId });
  assert.equal(typeof d.sessionId, 'string');
  assert.ok(d.sessionId.length > 0);
  assert.equal(typeof d.resumeToken, 'string');
  assert.ok(d.resumeToken.length >= 16, 'resumeToken should be a long secret');
  assert.notEqual(d.resumeToken, d.sessionId);
  assert.equal(d.roomId, roomId);
  assert.equal(d.strRoomId, '');
  assert.equal(d.scene, 'rtc');
  assert.equal(d.role, 'anchor');
  assert.deepEqual(d.users, []);
  assert.equal(typeof d.heartbeatIntervalMs, 'number');
  assert.ok(d.heartbeatIntervalMs > 0);
  assert.equal(typeof d.sessionGraceMs, 'number');
  assert.ok(Math.abs(d.serverTime - before) < 60000, `serverTime ${d.serverTime} vs local ${before}`);

  const hb = await alice.ok('heartbeat');
  assert.ok(Math.abs(hb.serverTime - Date.now()) < 60000);
});

test('others are announced on entry and exit (rtc), exit reason 0', T, async () => {
  const roomId = newRoomId();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => connectClient(server, n)));
  await alice.enterOk(app, 'alice', { roomId });

  const b = await bob.enterOk(app, 'bob', { roomId });
  assert.deepEqual(b.users, [{ userId: 'alice', role: 'anchor' }]);
  const e1 = await alice.nextEvent('remote-user-enter');
  assert.deepEqual(e1.data, { userId: 'bob', role: 'anchor' });
  assert.equal(e1.seq, 1, 'first event of a session has seq 1');
  assert.equal(e1.v, 1);

  const c = await carol.enterOk(app, 'carol', { roomId });
  assert.deepEqual(c.users.map((u) => u.userId).sort(), ['alice', 'bob']);
  for (const cl of [alice, bob]) {
    const e = await cl.nextEvent('remote-user-enter');
    assert.deepEqual(e.data, { userId: 'carol', role: 'anchor' });
  }
  const e2seq = alice.lastSeq;
  assert.equal(e2seq, 2, 'seq counts the session events 1, 2, ...');

  assert.deepEqual(await bob.ok('exitRoom'), {});
  for (const cl of [alice, carol]) {
    const e = await cl.nextEvent('remote-user-exit');
    assert.deepEqual(e.data, { userId: 'bob', reason: 0 });
  }
  await bob.expectNoEvent('remote-user-exit', 300);
});

test('exitRoom outside a room and a second enterRoom are INVALID_STATE; the connection can re-enter', T, async () => {
  const alice = await connectClient(server, 'alice');
  assertError(await alice.request('exitRoom'), ERR.INVALID_STATE, 'exit before enter');
  const roomId = newRoomId();
  await alice.enterOk(app, 'alice', { roomId });
  assertError(await alice.enter(app, 'alice', { roomId: newRoomId() }), ERR.INVALID_STATE, 'enter while in a room');
  assertError(await alice.enter(app, 'alice', { roomId }), ERR.INVALID_STATE, 'enter same room again');
  await alice.ok('exitRoom', {});
  assertError(await alice.request('exitRoom'), ERR.INVALID_STATE, 'exit twice');
  const again = await alice.enterOk(app, 'alice', { roomId: newRoomId() });
  assert.deepEqual(again.users, []);
});

test('a room is created by the first entry and destroyed when the last user leaves', T, async () => {
  const roomId = newRoomId();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => connectClient(server, n)));
  const a = await alice.enterOk(app, 'alice', { roomId, scene: 'rtc' });
  assert.equal(a.scene, 'rtc');
  await bob.enterOk(app, 'bob', { roomId }); // scene defaults to rtc: same room

  // While anyone remains, the room keeps its scene.
  assertError(await carol.enter(app, 'carol', { roomId, scene: 'live' }), ERR.SCENE_MISMATCH, 'live into rtc room');
  await alice.ok('exitRoom');
  assertError(await carol.enter(app, 'carol', { roomId, scene: 'live' }), ERR.SCENE_MISMATCH, 'one user still there');
  await bob.ok('exitRoom');

  // Everyone left: the old room is gone and the next entry creates a live room.
  const c = await carol.enterOk(app, 'carol', { roomId, scene: 'live' });
  assert.equal(c.scene, 'live');
  assert.deepEqual(c.users, []);
  assertError(await alice.enter(app, 'alice', { roomId, scene: 'rtc' }), ERR.SCENE_MISMATCH, 'rtc into live room');
  const a2 = await alice.enterOk(app, 'alice', { roomId, scene: 'live', role: 'anchor' });
  assert.deepEqual(a2.users, [{ userId: 'carol', role: 'anchor' }]);
});

test('string rooms: entry fields and roomId-wins rule', T, async () => {
  const str = newStrRoomId('room #1 ');
  const roomId = newRoomId();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((n) => connectClient(server, n)));
  const a = await alice.enterOk(app, 'alice', { strRoomId: str });
  assert.equal(a.strRoomId, str);
  const b = await bob.enterOk(app, 'bob', { roomId: 0, strRoomId: str }); // roomId 0 → use strRoomId
  assert.deepEqual(b.users, [{ userId: 'alice', role: 'anchor' }]);
  await alice.nextEvent('remote-user-enter');

  await carol.enterOk(app, 'carol', { roomId });
  const dave = await connectClient(server, 'dave');
  const d = await dave.enterOk(app, 'dave', { roomId, strRoomId: str }); // both present: roomId wins
  assert.equal(d.roomId, roomId);
  assert.deepEqual(d.users, [{ userId: 'carol', role: 'anchor' }]);
  await carol.nextEvent('remote-user-enter');
  await alice.expectNoEvent('remote-user-enter', 300);
});

test('duplicate userId: the earlier session is kicked, others see exit reason 2 then enter', T, async () => {
  const roomId = newRoomId();
  const [alice1, alice2, bob] = await Promise.all(['alice#1', 'alice#2', 'bob'].map((n) => connectClient(server, n)));
  const first = await alice1.enterOk(app, 'alice', { roomId });
  await bob.enterOk(app, 'bob', { roomId });
  await alice1.nextEvent('remote-user-enter');

  const second = await alice2.enterOk(app, 'alice', { roomId });
  assert.notEqual(second.sessionId, first.sessionId);
  assert.deepEqual(second.users, [{ userId: 'bob', role: 'anchor' }], 'the kicked session is not listed');

  const kick = await alice1.nextEvent('kicked-out');
  assert.equal(kick.data.reason, 'kick');
  assert.equal(typeof kick.data.message, 'string');

  const exit = await bob.nextAnyEvent();
  assert.equal(exit.event, 'remote-user-exit');
  assert.deepEqual(exit.data, { userId: 'alice', reason: 2 });
  const enter = await bob.nextAnyEvent();
  assert.equal(enter.event, 'remote-user-enter');
  assert.deepEqual(enter.data, { userId: 'alice', role: 'anchor' });
  assert.ok(enter.seq > exit.seq);

  // The kicked session is over: its resume token is dead, its connection stays open and idle.
  assert.equal(alice1.closed, null, 'kicked connection stays open');
  assertError(await alice1.request('exitRoom'), ERR.INVALID_STATE, 'kicked connection is not in a room');
  const probe = await connectClient(server, 'probe');
  assertError(await probe.resume({ sessionId: first.sessionId, resumeToken: first.resumeToken }), ERR.SESSION_NOT_FOUND, 'resume kicked');

  // The new session works and the kicked connection may enter again (kicking the second one).
  await alice2.ok('sendCustomMessage', { cmdId: 1, data: 'aGk=' });
  assertOk(await alice1.enter(app, 'alice', { roomId }), 'kicked connection re-enters');
  assert.equal((await alice2.nextEvent('kicked-out')).data.reason, 'kick');
});
