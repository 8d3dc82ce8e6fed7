// live/rtc visibility, switchRole, and the per-app room/user/publisher limits (protocol.md
// Visibility, switchRole, errors 4031-4033; R4).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, assertError, ERR,
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

const connectAll = (...labels) => Promise.all(labels.map((l) => connectClient(server, l)));

test('live: audience is never announced, anchors are announced to everyone', T, async () => {
  const roomId = newRoomId();
  const live = { roomId, scene: 'live' };
  const [anna, aud1, aud2, ben] = await connectAll('anna', 'aud1', 'aud2', 'ben');

  const a = await anna.enterOk(app, 'anna', { ...live }); // role defaults to anchor
  assert.equal(a.role, 'anchor');
  assert.equal(a.scene, 'live');

  const u1 = await aud1.enterOk(app, 'aud1', { ...live, role: 'audience' });
  assert.equal(u1.role, 'audience');
  assert.deepEqual(u1.users, [{ userId: 'anna', role: 'anchor' }], 'audience sees the anchors');
  const u2 = await aud2.enterOk(app, 'aud2', { ...live, role: 'audience' });
  assert.deepEqual(u2.users, [{ userId: 'anna', role: 'anchor' }], 'audience does not see other audience');
  await anna.expectNoEvent('remote-user-enter', 300);
  await aud1.expectNoEvent('remote-user-enter', 0);

  const b = await ben.enterOk(app, 'ben', { ...live, role: 'anchor' });
  assert.deepEqual(b.users, [{ userId: 'anna', role: 'anchor' }], 'anchors do not see the audience');
  for (const c of [anna, aud1, aud2]) {
    assert.deepEqual((await c.nextEvent('remote-user-enter')).data, { userId: 'ben', role: 'anchor' }, c.label);
  }

  // An audience member leaving is not announced; an anchor leaving is announced to all.
  await aud2.ok('exitRoom');
  await anna.expectNoEvent('remote-user-exit', 300);
  await ben.ok('exitRoom');
  for (const c of [anna, aud1]) {
    assert.deepEqual((await c.nextEvent('remote-user-exit')).data, { userId: 'ben', reason: 0 }, c.label);
  }
});

test('live switchRole: audience→anchor announces enter, anchor→audience announces exit reason 3', T, async () => {
  const live = { roomId: newRoomId(), scene: 'live' };
  const [anna, ben, aud] = await connectAll('anna', 'ben', 'aud');
  await anna.enterOk(app, 'anna', live);
  await aud.enterOk(app, 'aud', { ...live, role: 'audience' });
  await ben.enterOk(app, 'ben', { ...live, role: 'audience' });

  await ben.ok('switchRole', { role: 'anchor' });
  assert.deepEqual((await anna.nextEvent('remote-user-enter')).data, { userId: 'ben', role: 'anchor' });
  assert.deepEqual((await aud.nextEvent('remote-user-enter')).data, { userId: 'ben', role: 'anchor' });
  await ben.expectNoEvent('remote-user-enter', 300); // not announced to himself

  // A new audience member now sees both anchors.
  const late = await connectClient(server, 'late');
  const l = await late.enterOk(app, 'late', { ...live, role: 'audience' });
  assert.deepEqual(l.users.map((u) => u.userId).sort(), ['anna', 'ben']);

  await ben.ok('switchRole', { role: 'audience' });
  for (const c of [anna, aud, late]) {
    assert.deepEqual((await c.nextEvent('remote-user-exit')).data, { userId: 'ben', reason: 3 }, c.label);
  }
  await ben.expectNoEvent('remote-user-exit', 300);

  // As audience again he may not send custom messages.
  assertError(await ben.request('sendCustomMessage', { cmdId: 1, data: 'eA==' }), ERR.PERMISSION_DENIED, 'audience send');
});

test('rtc: everyone is an anchor; switchRole to audience is INVALID_PARAMETER', T, async () => {
  const roomId = newRoomId();
  const [x, y] = await connectAll('x', 'y');
  const d = await x.enterOk(app, 'xu', { roomId, role: 'audience' }); // role is meaningless in rtc
  assert.equal(d.role, 'anchor');
  assert.deepEqual((await y.enterOk(app, 'yu', { roomId })).users, [{ userId: 'xu', role: 'anchor' }]);
  assertError(await x.request('switchRole', { role: 'audience' }), ERR.INVALID_PARAMETER, 'rtc → audience');
  assertError(await x.request('switchRole', { role: 'superstar' }), ERR.INVALID_PARAMETER, 'bad role');
  await y.expectNoEvent('remote-user-exit', 300);
});

test('room user limit: an app with max-rtc-users 2 refuses the third user with ROOM_FULL', T, async () => {
  const small = await createApp(server, { maxRtcUsers: 2 });
  const roomId = newRoomId();
  const [a, b, c] = await connectAll('a', 'b', 'c');
  await a.enterOk(small, 'ua', { roomId });
  await b.enterOk(small, 'ub', { roomId });
  assertError(await c.enter(small, 'uc', { roomId }), ERR.ROOM_FULL, 'third user');
  await a.expectNoEvent('remote-user-enter', 200, (e) => e.data.userId === 'uc');
  // Another room of the same app, and the same room once someone left, still work.
  await c.enterOk(small, 'uc', { roomId: newRoomId() });
  await c.ok('exitRoom');
  await b.ok('exitRoom');
  await c.enterOk(small, 'uc', { roomId });
});

test('live user limit: an app with max-live-users 2 refuses the third user with ROOM_FULL', T, async () => {
  const small = await createApp(server, { maxLiveUsers: 2 });
  const live = { roomId: newRoomId(), scene: 'live' };
  const [a, b, c] = await connectAll('a', 'b', 'c');
  await a.enterOk(small, 'ua', live);
  await b.enterOk(small, 'ub', { ...live, role: 'audience' });
  assertError(await c.enter(small, 'uc', { ...live, role: 'audience' }), ERR.ROOM_FULL, 'third live user');
});

test('room limit: an app with max-rooms 1 refuses a second concurrent room with ROOM_LIMIT', T, async () => {
  const one = await createApp(server, { maxRooms: 1 });
  const room1 = newRoomId();
  const room2 = newRoomId();
  const [a, b, c] = await connectAll('a', 'b', 'c');
  await a.enterOk(one, 'ua', { roomId: room1 });
  await b.enterOk(one, 'ub', { roomId: room1 }); // joining the existing room is fine
  assertError(await c.enter(one, 'uc', { roomId: room2 }), ERR.ROOM_LIMIT, 'second room');
  assertError(await c.enter(one, 'uc', { strRoomId: 'second' }), ERR.ROOM_LIMIT, 'second (string) room');
  // Other apps are not affected.
  await c.enterOk(app, 'uc', { roomId: room2 });
  await c.ok('exitRoom');
  // Once room1 is destroyed, a new room can be created.
  await a.ok('exitRoom');
  await b.ok('exitRoom');
  await c.enterOk(one, 'uc', { roomId: room2 });
});

test('publisher limit: max-publishers 1 in live refuses a second anchor with PUBLISHER_LIMIT', T, async () => {
  const solo = await createApp(server, { maxPublishers: 1 });
  const live = { roomId: newRoomId(), scene: 'live' };
  const [a, b, c] = await connectAll('a', 'b', 'c');
  await a.enterOk(solo, 'ua', { ...live, role: 'anchor' });
  assertError(await b.enter(solo, 'ub', { ...live, role: 'anchor' }), ERR.PUBLISHER_LIMIT, 'second anchor entering');
  await b.enterOk(solo, 'ub', { ...live, role: 'audience' }); // audience is fine
  assertError(await b.request('switchRole', { role: 'anchor' }), ERR.PUBLISHER_LIMIT, 'audience → anchor at the limit');
  await a.expectNoEvent('remote-user-enter', 200);
  // When the anchor steps down, the slot is free.
  await a.ok('switchRole', { role: 'audience' });
  await b.ok('switchRole', { role: 'anchor' });
  await c.enterOk(solo, 'uc', { ...live, role: 'audience' });
  assertError(await c.request('switchRole', { role: 'anchor' }), ERR.PUBLISHER_LIMIT, 'c at the limit');
});
