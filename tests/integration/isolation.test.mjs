// Isolation between applications and between the numeric and string room namespaces (R1, R2).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, assertError, userSig, ERR,
} from './lib/harness.mjs';

const T = { timeout: 30000 };
let server;
let app1;
let app2;

before(async () => {
  server = await startServer();
  app1 = await createApp(server);
  app2 = await createApp(server);
  assert.notEqual(app1.sdkAppId, app2.sdkAppId);
  assert.notEqual(app1.secretKey, app2.secretKey);
});
after(() => server?.stop());
afterEach(() => closeAllClients());

test('two apps, same roomId: separate rooms, no events or messages cross', T, async () => {
  const roomId = newRoomId();
  const [a1, b1, a2, b2] = await Promise.all(['app1/alice', 'app1/bob', 'app2/alice', 'app2/bob'].map((n) => connectClient(server, n)));

  // Same userIds in both apps: no duplicate-user kick across apps either.
  assert.deepEqual((await a1.enterOk(app1, 'alice', { roomId })).users, []);
  assert.deepEqual((await a2.enterOk(app2, 'alice', { roomId })).users, [], 'app2 alice must not see app1 alice');
  assert.deepEqual((await b1.enterOk(app1, 'bob', { roomId })).users, [{ userId: 'alice', role: 'anchor' }]);
  assert.deepEqual((await b2.enterOk(app2, 'bob', { roomId })).users, [{ userId: 'alice', role: 'anchor' }]);

  // Each alice sees exactly one bob entering (her own app's).
  assert.deepEqual((await a1.nextEvent('remote-user-enter')).data, { userId: 'bob', role: 'anchor' });
  assert.deepEqual((await a2.nextEvent('remote-user-enter')).data, { userId: 'bob', role: 'anchor' });

  // Custom messages stay within the app.
  await b1.ok('sendCustomMessage', { cmdId: 1, data: Buffer.from('from-app1').toString('base64') });
  await b2.ok('sendCustomMessage', { cmdId: 2, data: Buffer.from('from-app2').toString('base64') });
  const m1 = await a1.nextEvent('custom-message');
  const m2 = await a2.nextEvent('custom-message');
  assert.equal(Buffer.from(m1.data.data, 'base64').toString(), 'from-app1');
  assert.equal(m1.data.cmdId, 1);
  assert.equal(Buffer.from(m2.data.data, 'base64').toString(), 'from-app2');
  assert.equal(m2.data.cmdId, 2);

  // Exits stay within the app.
  await b1.ok('exitRoom');
  assert.deepEqual((await a1.nextEvent('remote-user-exit')).data, { userId: 'bob', reason: 0 });
  await a2.expectNoEvent('remote-user-exit', 300);
  await a1.expectNoEvent('custom-message', 0);
  await a2.expectNoEvent('custom-message', 0);
  await a1.expectNoEvent('kicked-out', 0);
  await a2.expectNoEvent('kicked-out', 0);
});

test('the same roomId may have different scenes in different apps', T, async () => {
  const roomId = newRoomId();
  const [x, y] = await Promise.all([connectClient(server, 'x'), connectClient(server, 'y')]);
  assert.equal((await x.enterOk(app1, 'xuser', { roomId, scene: 'rtc' })).scene, 'rtc');
  assert.equal((await y.enterOk(app2, 'yuser', { roomId, scene: 'live' })).scene, 'live');
});

test('a ticket of one app cannot enter the other app', T, async () => {
  const c = await connectClient(server, 'cross');
  // app1's ticket presented to app2: issued for another sdkAppId (and signed with another key).
  const resp = await c.request('enterRoom', { sdkAppId: app2.sdkAppId, userId: 'mallory', userSig: userSig(app1, 'mallory'), roomId: newRoomId() });
  assert.equal(resp.ok, false);
  assert.ok([ERR.USERSIG_WRONG_APP, ERR.USERSIG_BAD_SIGNATURE].includes(resp.error.code), JSON.stringify(resp.error));
});

test('numeric room 123 and string room "123" are different rooms', T, async () => {
  const app = await createApp(server); // fresh app: room 123 is certainly empty
  const [n1, n2, s1, s2] = await Promise.all(['num1', 'num2', 'str1', 'str2'].map((l) => connectClient(server, l)));
  await n1.enterOk(app, 'num1', { roomId: 123 });
  const s = await s1.enterOk(app, 'str1', { strRoomId: '123' });
  assert.deepEqual(s.users, [], 'string room "123" must not contain the numeric room 123 user');
  assert.equal(s.strRoomId, '123');

  assert.deepEqual((await n2.enterOk(app, 'num2', { roomId: 123 })).users, [{ userId: 'num1', role: 'anchor' }]);
  assert.deepEqual((await s2.enterOk(app, 'str2', { strRoomId: '123' })).users, [{ userId: 'str1', role: 'anchor' }]);
  assert.equal((await n1.nextEvent('remote-user-enter')).data.userId, 'num2');
  assert.equal((await s1.nextEvent('remote-user-enter')).data.userId, 'str2');

  await n2.ok('sendCustomMessage', { cmdId: 3, data: 'bnVt' });
  assert.equal((await n1.nextEvent('custom-message')).data.userId, 'num2');
  await s1.expectNoEvent('custom-message', 300);
  await s1.expectNoEvent('remote-user-enter', 0);
  await n1.expectNoEvent('remote-user-enter', 0);

  // Scenes are per namespace too: numeric 123 is rtc, string "123" can be live after it empties.
  await s1.ok('exitRoom');
  await s2.ok('exitRoom');
  assert.equal((await s1.enterOk(app, 'str1', { strRoomId: '123', scene: 'live' })).scene, 'live');
  assertError(await s2.enter(app, 'str2', { roomId: 123, scene: 'live' }), ERR.SCENE_MISMATCH, 'numeric 123 is rtc');
});
