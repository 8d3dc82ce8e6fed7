// Interop: the TRTC-compatible server API (trtc-compat §3–§4, R8, R19) driven by the official
// `tencentcloud-sdk-nodejs` trtc client against live rooms of signaling clients, plus raw TC3
// requests for what the SDK cannot send (other clients' signing quirks, garbage bodies).
//
//   cd tests && node --test interop/server-api.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, newStrRoomId, sleep,
  createApiKey, revokeApiKey, auditList, assertError, ERR, runCli, untilSettingsSeen,
} from '../integration/lib/harness.mjs';
import {
  apiClient, apiClientWithVersion, sdkError, assertApiCode, codeOrNamed, withClockOffset, rawApiRequest, envelopeCode,
  tc3Authorization, API_HOST,
} from '../integration/lib/trtc-api.mjs';

const T = { timeout: 30000 };
const KICK_MS = 1000; // API call → kicked-out at the client (brief: within 1 s)

let server;
let app;      // the app most tests use
let other;    // a second app (isolation and key scope)
let key;      // API key scoped to `app`
let api;      // SDK client with `key`

before(async () => {
  // Generous per-(SecretId, Action) limits: the rate limit has its own server below.
  server = await startServer({ 'api.requests_per_second': 1000, 'api.burst': 1000 });
  [app, other] = [await createApp(server), await createApp(server)];
  key = await createApiKey(server, app);
  api = apiClient(server, key);
});
after(() => server?.stop());
afterEach(() => closeAllClients());

const nowSec = () => Math.floor(Date.now() / 1000);

// DescribeUserEvent EventIds (docs/api.md): TRTC's event table uses 1001-1003 for earphone,
// Bluetooth and network type, so enter/exit are the table's back-end ids 7000/7001 (exit ParamOne
// 0 normal, 1 timeout, 2 removed) and a role change is Atrium's own 9001 (ParamOne 20/21).
const EV = { ENTER: 7000, EXIT: 7001, ROLE: 9001 };

// Connects and enters each userId into room (number: roomId, string: strRoomId); waits until the
// first one has seen everyone else enter, so later events are not mixed with entry events.
async function roomWith(theApp, room, userIds, enterOpts = {}) {
  const where = typeof room === 'number' ? { roomId: room } : { strRoomId: room };
  const clients = [];
  for (const u of userIds) {
    const c = await connectClient(server, u);
    await c.enterOk(theApp, u, { ...where, ...enterOpts });
    clients.push(c);
  }
  for (let i = 1; i < clients.length; i++) await clients[0].nextEvent('remote-user-enter');
  return clients;
}

// Resolves with `kicked-out` at each client; fails unless all arrive within KICK_MS of t0.
async function expectKicked(clients, reason, t0, what) {
  const events = await Promise.all(clients.map((c) => c.nextEvent('kicked-out', KICK_MS + 2000)));
  const elapsed = Date.now() - t0;
  for (const [i, e] of events.entries()) {
    assert.equal(e.data.reason, reason, `${what}: ${clients[i].label} kicked-out reason`);
    assert.equal(typeof e.data.message, 'string');
  }
  assert.ok(elapsed <= KICK_MS, `${what}: kicked-out took ${elapsed} ms (limit ${KICK_MS} ms)`);
  return events;
}

// ---------------------------------------------------------------------------------------------
// Room control against live rooms

test('DismissRoom: every client is kicked out with room_disband within 1 s; the room is gone', T, async () => {
  const roomId = newRoomId();
  const clients = await roomWith(app, roomId, ['alice', 'bob']);
  const t0 = Date.now();
  const resp = await api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: roomId });
  assert.equal(typeof resp.RequestId, 'string');
  assert.ok(resp.RequestId.length > 0);
  assert.equal(resp.Error, undefined);
  await expectKicked(clients, 'room_disband', t0, 'DismissRoom');

  // The kicked sessions are over, the room no longer exists, the connections may enter again.
  assertApiCode(await sdkError(api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: roomId })), 'FailedOperation.RoomNotExist', 'second DismissRoom');
  const again = await clients[0].enterOk(app, 'alice', { roomId });
  assert.deepEqual(again.users, [], 'a new room after the dismissal');
});

test('DismissRoomByStrRoomId kicks the string room only: "123" and 123 are different rooms', T, async () => {
  const n = newRoomId();
  const str = String(n);
  const strClients = await roomWith(app, str, ['alice', 'bob']);
  const [carol] = await roomWith(app, n, ['carol']);

  const t0 = Date.now();
  await api.DismissRoomByStrRoomId({ SdkAppId: app.sdkAppId, RoomId: str });
  await expectKicked(strClients, 'room_disband', t0, 'DismissRoomByStrRoomId');
  await carol.expectNoEvent('kicked-out', 300);

  const t1 = Date.now();
  await api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: n });
  await expectKicked([carol], 'room_disband', t1, 'DismissRoom of the numeric twin');
  assertApiCode(await sdkError(api.DismissRoomByStrRoomId({ SdkAppId: app.sdkAppId, RoomId: str })), 'FailedOperation.RoomNotExist');
});

test('RemoveUser: the listed user is kicked out (banned) within 1 s, the others see remote-user-exit', T, async () => {
  const roomId = newRoomId();
  const [alice, bob, carol] = await roomWith(app, roomId, ['alice', 'bob', 'carol']);
  await bob.nextEvent('remote-user-enter'); // carol

  const t0 = Date.now();
  await api.RemoveUser({ SdkAppId: app.sdkAppId, RoomId: roomId, UserIds: ['bob', 'nobody_here'] }); // absent users are ignored
  await expectKicked([bob], 'banned', t0, 'RemoveUser');
  for (const c of [alice, carol]) {
    const e = await c.nextEvent('remote-user-exit', KICK_MS);
    assert.deepEqual(e.data, { userId: 'bob', reason: 2 }, `${c.label}: exit of the removed user (reason 2: kicked)`);
  }
  await alice.expectNoEvent('kicked-out', 200);
  await carol.expectNoEvent('kicked-out', 0);

  // Several at once; the room ends with its last user.
  const t1 = Date.now();
  await api.RemoveUser({ SdkAppId: app.sdkAppId, RoomId: roomId, UserIds: ['alice', 'carol'] });
  await expectKicked([alice, carol], 'banned', t1, 'RemoveUser of two');
  assertApiCode(await sdkError(api.RemoveUser({ SdkAppId: app.sdkAppId, RoomId: roomId, UserIds: ['alice'] })),
    'FailedOperation.RoomNotExist', 'RemoveUser after the room ended');
});

test('RemoveUserByStrRoomId: the listed user is kicked out (banned), the other sees remote-user-exit', T, async () => {
  const str = newStrRoomId('api rm #');
  const [alice, bob] = await roomWith(app, str, ['alice', 'bob']);
  const t0 = Date.now();
  await api.RemoveUserByStrRoomId({ SdkAppId: app.sdkAppId, RoomId: str, UserIds: ['alice'] });
  await expectKicked([alice], 'banned', t0, 'RemoveUserByStrRoomId');
  const e = await bob.nextEvent('remote-user-exit', KICK_MS);
  assert.deepEqual(e.data, { userId: 'alice', reason: 2 });
  await bob.expectNoEvent('kicked-out', 200);
});

test('a user whose connection dropped (grace period) is removed and dismissed too: resume then fails', T, async () => {
  const roomId = newRoomId();
  const [alice, bob] = await roomWith(app, roomId, ['alice', 'bob']);
  const session = bob.session;
  bob.terminate(); // bob's session waits for a resume (session_grace_ms, 30 s by default)
  await sleep(100);
  const t0 = Date.now();
  await api.RemoveUser({ SdkAppId: app.sdkAppId, RoomId: roomId, UserIds: ['bob'] });
  const e = await alice.nextEvent('remote-user-exit', KICK_MS);
  assert.ok(Date.now() - t0 <= KICK_MS);
  assert.deepEqual(e.data, { userId: 'bob', reason: 2 });
  const back = await connectClient(server, 'bob#2');
  assertError(await back.resume(session, 0), ERR.SESSION_NOT_FOUND, 'resume of a removed session');

  // Same for a dismissed room whose last user is in the grace period.
  const aliceSession = alice.session;
  alice.terminate();
  await sleep(100);
  await api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: roomId }); // the room still exists: alice may come back
  const again = await connectClient(server, 'alice#2');
  assertError(await again.resume(aliceSession, 0), ERR.SESSION_NOT_FOUND, 'resume into a dismissed room');
  assertApiCode(await sdkError(api.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: roomId })), 'FailedOperation.RoomNotExist');
});

test('Dismiss/Remove on rooms that do not exist (never, ended, other app) → FailedOperation.RoomNotExist', T, async () => {
  const id = app.sdkAppId;
  const cases = [
    ['DismissRoom never used', () => api.DismissRoom({ SdkAppId: id, RoomId: newRoomId() })],
    ['DismissRoomByStrRoomId never used', () => api.DismissRoomByStrRoomId({ SdkAppId: id, RoomId: newStrRoomId('none') })],
    ['RemoveUser never used', () => api.RemoveUser({ SdkAppId: id, RoomId: newRoomId(), UserIds: ['alice'] })],
    ['RemoveUserByStrRoomId never used', () => api.RemoveUserByStrRoomId({ SdkAppId: id, RoomId: newStrRoomId('none'), UserIds: ['alice'] })],
  ];
  for (const [what, call] of cases) assertApiCode(await sdkError(call(), what), 'FailedOperation.RoomNotExist', what);

  // A room whose users all left is gone.
  const roomId = newRoomId();
  const [alice] = await roomWith(app, roomId, ['alice']);
  await alice.ok('exitRoom');
  assertApiCode(await sdkError(api.DismissRoom({ SdkAppId: id, RoomId: roomId })), 'FailedOperation.RoomNotExist', 'emptied room');

  // The same room id in another app is another room: untouched.
  const [zoe] = await roomWith(other, roomId, ['zoe']);
  assertApiCode(await sdkError(api.DismissRoom({ SdkAppId: id, RoomId: roomId })), 'FailedOperation.RoomNotExist', 'room of another app');
  await zoe.expectNoEvent('kicked-out', 300);
});

// ---------------------------------------------------------------------------------------------
// Queries: what really happened in this test

test('DescribeRoomInfo / DescribeUserInfo / DescribeUserEvent / DescribeScaleInfo report the rooms and users of the test', { timeout: 40000 }, async () => {
  const qa = await createApp(server);
  const qkey = await createApiKey(server, qa);
  const q = apiClient(server, qkey);
  const id = qa.sdkAppId;
  const t0 = nowSec();

  // Room A (numeric, rtc): alice creates, bob and eve join, eve is removed, bob and alice leave.
  // eve is removed through the API.
  const roomA = newRoomId();
  const [alice, bob, eve] = await roomWith(qa, roomA, ['alice', 'bob', 'eve']);
  await sleep(1100); // a measurable stay (timestamps are in seconds)
  await q.RemoveUser({ SdkAppId: id, RoomId: roomA, UserIds: ['eve'] });
  await eve.nextEvent('kicked-out');
  await bob.ok('exitRoom');
  await alice.ok('exitRoom');
  // Room B (string): carol stays in it.
  const roomB = newStrRoomId('qa room ');
  const [carol] = await roomWith(qa, roomB, ['carol']);
  // Room C (numeric, live): dave enters as audience, becomes anchor, leaves.
  const roomC = newRoomId();
  const [dave] = await roomWith(qa, roomC, ['dave'], { scene: 'live', role: 'audience' });
  await dave.ok('switchRole', { role: 'anchor' });
  await dave.ok('exitRoom');
  const t1 = nowSec();
  const win = { StartTime: t0 - 60, EndTime: t1 + 60 };
  const inRun = (s, what) => assert.ok(s >= t0 - 1 && s <= t1 + 1, `${what} = ${s} outside the test's run [${t0}, ${t1}]`);

  // DescribeRoomInfo: exactly the three rooms (the app is new), with creator and lifetime.
  const deadline = Date.now() + 5000;
  let info = await q.DescribeRoomInfo({ SdkAppId: id, ...win });
  while (info.Total < 3 && Date.now() < deadline) { // the room log may be written asynchronously
    await sleep(200);
    info = await q.DescribeRoomInfo({ SdkAppId: id, ...win });
  }
  assert.equal(info.Total, 3, `DescribeRoomInfo: ${JSON.stringify(info)}`);
  assert.equal(info.RoomList.length, 3);
  const byRoom = Object.fromEntries(info.RoomList.map((r) => [r.RoomString, r]));
  const A = byRoom[String(roomA)];
  const B = byRoom[roomB];
  const C = byRoom[String(roomC)];
  assert.ok(A && B && C, `RoomString values: ${Object.keys(byRoom)}`);
  for (const [r, creator, finished, roomStr] of [[A, 'alice', true, String(roomA)], [B, 'carol', false, roomB], [C, 'dave', true, String(roomC)]]) {
    inRun(r.CreateTime, `${roomStr} CreateTime`);
    assert.equal(r.CommId, `${id}_${roomStr}_${r.CreateTime}`, 'CommId = SdkAppId_RoomId_CreateTime');
    assert.equal(r.UserId, creator, `${roomStr}: creator`);
    assert.equal(r.IsFinished, finished, `${roomStr}: IsFinished`);
    if (finished) {
      inRun(r.DestroyTime, `${roomStr} DestroyTime`);
      assert.ok(r.DestroyTime >= r.CreateTime);
    }
  }
  assert.ok(A.DestroyTime - A.CreateTime >= 1, 'room A lived at least a second');

  // RoomId filter and paging.
  const onlyA = await q.DescribeRoomInfo({ SdkAppId: id, ...win, RoomId: String(roomA) });
  assert.equal(onlyA.Total, 1);
  assert.deepEqual(onlyA.RoomList, [A]);
  const onlyB = await q.DescribeRoomInfo({ SdkAppId: id, ...win, RoomId: roomB });
  assert.deepEqual(onlyB.RoomList.map((r) => r.CommId), [B.CommId]);
  const p0 = await q.DescribeRoomInfo({ SdkAppId: id, ...win, PageSize: 2, PageNumber: 0 });
  const p1 = await q.DescribeRoomInfo({ SdkAppId: id, ...win, PageSize: 2, PageNumber: 1 });
  assert.equal(p0.Total, 3);
  assert.equal(p1.Total, 3);
  assert.equal(p0.RoomList.length, 2);
  assert.equal(p1.RoomList.length, 1);
  assert.deepEqual(new Set([...p0.RoomList, ...p1.RoomList].map((r) => r.CommId)), new Set([A.CommId, B.CommId, C.CommId]));
  const outside = await q.DescribeRoomInfo({ SdkAppId: id, StartTime: t0 - 7200, EndTime: t0 - 3600 });
  assert.equal(outside.Total, 0, 'no rooms in a window before the test');

  // DescribeUserInfo (CommId from DescribeRoomInfo).
  const ua = await q.DescribeUserInfo({ CommId: A.CommId, ...win, SdkAppId: id });
  assert.equal(ua.Total, 3, JSON.stringify(ua));
  const users = Object.fromEntries(ua.UserList.map((u) => [u.UserId, u]));
  assert.deepEqual(Object.keys(users).sort(), ['alice', 'bob', 'eve']);
  for (const u of ua.UserList) {
    assert.equal(u.RoomStr, String(roomA));
    inRun(u.JoinTs, `${u.UserId} JoinTs`);
    inRun(u.LeaveTs, `${u.UserId} LeaveTs`);
    assert.ok(u.LeaveTs >= u.JoinTs + 1, `${u.UserId} stayed ≥ 1 s: ${u.JoinTs}..${u.LeaveTs}`);
    assert.equal(u.Finished, true);
    assert.match(u.ClientIp, /^127\.0\.0\.\*$/, 'ClientIp is masked');
    assert.equal(typeof u.DeviceType, 'string');
    assert.equal(typeof u.SdkVersion, 'string');
  }
  assert.ok(users.alice.JoinTs <= users.bob.JoinTs && users.bob.LeaveTs <= users.alice.LeaveTs);
  const onlyBob = await q.DescribeUserInfo({ CommId: A.CommId, ...win, SdkAppId: id, UserIds: ['bob'] });
  assert.deepEqual(onlyBob.UserList.map((u) => u.UserId), ['bob']);
  assert.equal(onlyBob.Total, 1);
  const ub = await q.DescribeUserInfo({ CommId: B.CommId, ...win, SdkAppId: id });
  assert.equal(ub.Total, 1);
  const [c] = ub.UserList;
  assert.equal(c.UserId, 'carol');
  assert.equal(c.RoomStr, roomB);
  assert.equal(c.Finished, false, 'carol is still in the room');
  assert.ok(c.LeaveTs >= c.JoinTs && Math.abs(c.LeaveTs - nowSec()) <= 5, `LeaveTs of a user still in the room is now: ${JSON.stringify(c)}`);

  // DescribeUserEvent: enter/exit (and role change) in order, Time in ms.
  const events = async (comm, user, room) => {
    const r = await q.DescribeUserEvent({ CommId: comm, ...win, UserId: user, RoomId: room, SdkAppId: id });
    assert.ok(Array.isArray(r.Data), JSON.stringify(r));
    for (const d of r.Data) assert.equal(typeof d.PeerId, 'string');
    const content = r.Data.flatMap((d) => d.Content);
    for (const e of content) {
      assert.ok(e.Time >= (t0 - 1) * 1000 && e.Time <= (t1 + 1) * 1000, `event Time ${e.Time} (ms) outside the run`);
      for (const f of ['Type', 'EventId', 'ParamOne', 'ParamTwo']) assert.equal(typeof e[f], 'number', `EventMessage.${f}`);
    }
    return content.sort((x, y) => x.Time - y.Time);
  };
  const bobEv = await events(A.CommId, 'bob', String(roomA));
  assert.deepEqual(bobEv.map((e) => e.EventId), [EV.ENTER, EV.EXIT], `bob's events: ${JSON.stringify(bobEv)}`);
  assert.equal(bobEv[1].ParamOne, 0, 'normal exit');
  assert.ok(bobEv[1].Time - bobEv[0].Time >= 1000);
  const daveEv = await events(C.CommId, 'dave', String(roomC));
  assert.deepEqual(daveEv.map((e) => e.EventId), [EV.ENTER, EV.ROLE, EV.EXIT], `dave's events: ${JSON.stringify(daveEv)}`);
  assert.equal(daveEv[1].ParamOne, 20, 'role change to anchor');
  assert.deepEqual(await events(B.CommId, 'carol', roomB).then((e) => e.map((x) => x.EventId)), [EV.ENTER]);
  const eveEv = await events(A.CommId, 'eve', String(roomA));
  assert.deepEqual(eveEv.map((e) => [e.EventId, e.ParamOne]), [[EV.ENTER, 0], [EV.EXIT, 2]], `eve was removed: ${JSON.stringify(eveEv)}`);

  // DescribeScaleInfo: daily buckets; this app only has the test's rooms and entries.
  const scale = await q.DescribeScaleInfo({ SdkAppId: id, StartTime: t0 - 3600, EndTime: t1 + 60 });
  assert.ok(Array.isArray(scale.ScaleList) && scale.ScaleList.length >= 1, JSON.stringify(scale));
  assert.equal(scale.Total, scale.ScaleList.length);
  const sum = (f) => scale.ScaleList.reduce((s, d) => s + d[f], 0);
  assert.equal(sum('RoomNumbers'), 3, JSON.stringify(scale));
  assert.equal(sum('UserCount'), 5, 'room entries: alice, bob, eve, carol, dave');
  assert.equal(sum('UserNumber'), 5, 'distinct users');
  for (const d of scale.ScaleList) assert.ok(d.Time <= t1 && d.Time > t0 - 86400 - 3600, `bucket Time ${d.Time}`);

  await carol.close();
});

test('a room re-created within the same second still has CommId = SdkAppId_RoomId_CreateTime', {
  timeout: 20000,
}, async () => {
  const qa = await createApp(server);
  const q = apiClient(server, await createApiKey(server, qa));
  const t0 = nowSec();
  const roomId = newRoomId();
  const c = await connectClient(server, 'again');
  for (let i = 0; i < 3; i++) { // usually all three within one second
    await c.enterOk(qa, 'again', { roomId });
    await c.ok('exitRoom');
  }
  const info = await q.DescribeRoomInfo({ SdkAppId: qa.sdkAppId, StartTime: t0 - 60, EndTime: nowSec() + 60 });
  assert.equal(info.Total, 3);
  assert.equal(new Set(info.RoomList.map((r) => r.CommId)).size, 3, 'three distinct calls');
  for (const r of info.RoomList) {
    assert.equal(r.CommId, `${qa.sdkAppId}_${roomId}_${r.CreateTime}`, `CommId and CreateTime disagree: ${JSON.stringify(r)}`);
  }
});

// ---------------------------------------------------------------------------------------------
// Authentication and authorization errors through the SDK's error object

test('authentication errors: SignatureFailure, SecretIdNotFound (unknown and revoked), SignatureExpire', T, async () => {
  const q = { SdkAppId: app.sdkAppId, StartTime: nowSec() - 60, EndTime: nowSec() };
  const wrongKey = apiClient(server, { secretId: key.secretId, secretKey: `${key.secretKey}x` });
  assertApiCode(await sdkError(wrongKey.DescribeScaleInfo(q)), 'AuthFailure.SignatureFailure', 'wrong SecretKey');
  const unknown = apiClient(server, { secretId: 'AKIDatriumNoSuchKey0000000000000000', secretKey: 'whatever' });
  assertApiCode(await sdkError(unknown.DescribeScaleInfo(q)), 'AuthFailure.SecretIdNotFound', 'unknown SecretId');

  const doomed = await createApiKey(server, app);
  const doomedApi = apiClient(server, doomed);
  await doomedApi.DescribeScaleInfo(q);
  await revokeApiKey(server, doomed.secretId);
  // atriumd sees the revocation on its next settings poll (store.settings_poll_ms).
  const callDoomed = () => doomedApi.DescribeScaleInfo(q).then(() => null, (e) => e);
  assertApiCode(await untilSettingsSeen(callDoomed, (e) => e !== null), 'AuthFailure.SecretIdNotFound', 'revoked key');

  // Timestamp skew: the SDK signs with the (shifted) process clock.
  for (const offset of [400, -400]) {
    const err = await withClockOffset(offset, () => sdkError(api.DescribeScaleInfo(q)));
    assertApiCode(err, 'AuthFailure.SignatureExpire', `clock ${offset > 0 ? '+' : ''}${offset} s`);
  }
  for (const offset of [200, -200]) {
    const r = await withClockOffset(offset, () => api.DescribeScaleInfo(q));
    assert.ok(Array.isArray(r.ScaleList), `clock ${offset} s is within 5 min: ${JSON.stringify(r)}`);
  }
});

test('authorization and routing errors: UnauthorizedOperation.SdkAppId, InvalidAction, NoSuchVersion', T, async () => {
  const roomId = newRoomId();
  const [zoe] = await roomWith(other, roomId, ['zoe']);
  // The key is scoped to `app`: it may not touch `other`'s room, which stays.
  assertApiCode(await sdkError(api.DismissRoom({ SdkAppId: other.sdkAppId, RoomId: roomId })), 'UnauthorizedOperation.SdkAppId');
  await zoe.expectNoEvent('kicked-out', 200);
  // A key scoped to both may.
  const both = apiClient(server, await createApiKey(server, [app, other]));
  await both.DescribeScaleInfo({ SdkAppId: app.sdkAppId, StartTime: nowSec() - 60, EndTime: nowSec() });
  const t0 = Date.now();
  await both.DismissRoom({ SdkAppId: other.sdkAppId, RoomId: roomId });
  await expectKicked([zoe], 'room_disband', t0, 'DismissRoom with a two-app key');
  // An SdkAppId that exists nowhere is also outside the key's scope.
  assertApiCode(await sdkError(api.DismissRoom({ SdkAppId: 1, RoomId: roomId })), 'UnauthorizedOperation.SdkAppId', 'SdkAppId 1');

  // A disabled app is refused, an enabled one served again, a deleted one does not exist.
  const gone = await createApp(server);
  const goneApi = apiClient(server, await createApiKey(server, gone));
  const gq = { SdkAppId: gone.sdkAppId, StartTime: nowSec() - 60, EndTime: nowSec() };
  // Each change is seen on atriumd's next settings poll (store.settings_poll_ms); a refusal is checked
  // against a fresh read, so enabling is seen at once.
  const callGone = () => goneApi.DescribeScaleInfo(gq).then(() => null, (e) => e);
  await runCli(server, ['app', 'disable', String(gone.sdkAppId)]);
  assertApiCode(await untilSettingsSeen(callGone, (e) => e !== null), 'FailedOperation.RequestRejection', 'disabled app');
  await runCli(server, ['app', 'enable', String(gone.sdkAppId)]);
  await goneApi.DescribeScaleInfo(gq);
  await runCli(server, ['app', 'delete', String(gone.sdkAppId)]);
  assertApiCode(await untilSettingsSeen(callGone, (e) => e !== null), ['FailedOperation.SdkAppIdNotExist', 'UnauthorizedOperation.SdkAppId'], 'deleted app');

  assertApiCode(await sdkError(api.request('NoSuchAction', {})), 'InvalidAction', 'unknown action');
  assertApiCode(await sdkError(api.request('NoSuchAction', { SdkAppId: app.sdkAppId })), 'InvalidAction', 'unknown action with SdkAppId');
  const v2018 = apiClientWithVersion(server, key, '2018-01-01');
  assertApiCode(await sdkError(v2018.request('DismissRoom', { SdkAppId: app.sdkAppId, RoomId: roomId })), 'NoSuchVersion', 'X-TC-Version 2018-01-01 (SDK)');
  const raw = await rawApiRequest(server, { key, action: 'DismissRoom', version: '2099-12-31', body: { SdkAppId: app.sdkAppId, RoomId: roomId } });
  assert.equal(raw.status, 200);
  assert.equal(envelopeCode(raw, 'raw X-TC-Version 2099-12-31'), 'NoSuchVersion');
});

test('RequestLimitExceeded beyond the burst per (SecretId, Action); other actions and keys are unaffected', T, async () => {
  const limited = await startServer({ 'api.requests_per_second': 1, 'api.burst': 3 });
  try {
    const lapp = await createApp(limited);
    const k1 = apiClient(limited, await createApiKey(limited, lapp));
    const k2 = apiClient(limited, await createApiKey(limited, lapp));
    const q = { SdkAppId: lapp.sdkAppId, StartTime: nowSec() - 60, EndTime: nowSec() };
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await k1.DescribeScaleInfo(q).then(() => 'ok', (e) => e.code ?? e.message));
    assert.deepEqual(outcomes.slice(0, 3), ['ok', 'ok', 'ok'], `burst of 3: ${outcomes}`);
    const over = outcomes.slice(3).filter((o) => o === 'RequestLimitExceeded').length;
    assert.ok(over >= 2, `requests 4..6 within ~1 s: at most one refill token, got ${outcomes}`);
    assert.ok(outcomes.every((o) => o === 'ok' || o === 'RequestLimitExceeded'), `${outcomes}`);
    const err = await sdkError(k1.DescribeScaleInfo(q));
    assertApiCode(err, 'RequestLimitExceeded', 'SDK error object');
    // Per action, per SecretId.
    await k1.DescribeRoomInfo({ SdkAppId: lapp.sdkAppId, StartTime: nowSec() - 60, EndTime: nowSec() });
    await k2.DescribeScaleInfo(q);
    await sleep(1100);
    await k1.DescribeScaleInfo(q); // refilled
  } finally {
    await limited.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// Parameter validation

test('parameter validation: missing, wrong type, out of range, unknown fields', T, async () => {
  const id = app.sdkAppId;
  const t = nowSec();
  const win = { StartTime: t - 60, EndTime: t };
  const eleven = Array.from({ length: 11 }, (_, i) => `user${i}`);
  // [action, params, accepted codes]; where TRTC documents a specific code (trtc-compat §4.5,
  // e.g. InvalidParameter.PageSizeOversize, StartTs/EndTs for StartTime/EndTime) it is accepted too.
  const cases = [
    ['DismissRoom', { RoomId: 1 }, codeOrNamed('MissingParameter', 'SdkAppId')],
    ['DismissRoom', { SdkAppId: id }, codeOrNamed('MissingParameter', 'RoomId')],
    ['DismissRoom', { SdkAppId: id, RoomId: '1234' }, codeOrNamed('InvalidParameter', 'RoomId')],
    ['DismissRoom', { SdkAppId: id, RoomId: 1.5 }, codeOrNamed('InvalidParameter', 'RoomId')],
    ['DismissRoom', { SdkAppId: id, RoomId: true }, codeOrNamed('InvalidParameter', 'RoomId')],
    ['DismissRoom', { SdkAppId: String(id), RoomId: 1 }, codeOrNamed('InvalidParameter', 'SdkAppId')],
    ['DismissRoom', { SdkAppId: id, RoomId: 0 }, codeOrNamed('InvalidParameterValue', 'RoomId')],
    ['DismissRoom', { SdkAppId: id, RoomId: -5 }, codeOrNamed('InvalidParameterValue', 'RoomId')],
    ['DismissRoom', { SdkAppId: id, RoomId: 4294967295 }, codeOrNamed('InvalidParameterValue', 'RoomId')],
    ['DismissRoom', { SdkAppId: -1, RoomId: 1 }, codeOrNamed('InvalidParameterValue', 'SdkAppId')],
    ['DismissRoom', { SdkAppId: id, RoomId: newRoomId(), Foo: 1 }, codeOrNamed('UnknownParameter', 'Foo')],
    ['DismissRoom', { SdkAppId: id, RoomId: newRoomId(), roomid: 1 }, codeOrNamed('UnknownParameter', 'roomid')],
    ['DismissRoomByStrRoomId', { SdkAppId: id, RoomId: 1234 }, codeOrNamed('InvalidParameter', 'RoomId')],
    ['DismissRoomByStrRoomId', { SdkAppId: id, RoomId: 'x'.repeat(65) }, codeOrNamed('InvalidParameterValue', 'RoomId')],
    ['DismissRoomByStrRoomId', { SdkAppId: id, RoomId: 'no/slash' }, codeOrNamed('InvalidParameterValue', 'RoomId')],
    ['RemoveUser', { SdkAppId: id, RoomId: 1 }, codeOrNamed('MissingParameter', 'UserIds')],
    ['RemoveUser', { SdkAppId: id, RoomId: 1, UserIds: eleven }, codeOrNamed('InvalidParameterValue', 'UserIds')],
    ['RemoveUser', { SdkAppId: id, RoomId: 1, UserIds: 'alice' }, codeOrNamed('InvalidParameter', 'UserIds')],
    ['RemoveUser', { SdkAppId: id, RoomId: 1, UserIds: [42] }, codeOrNamed('InvalidParameter', 'UserIds')],
    ['RemoveUserByStrRoomId', { SdkAppId: id, RoomId: 'r', UserIds: eleven }, codeOrNamed('InvalidParameterValue', 'UserIds')],
    ['RemoveUserByStrRoomId', { SdkAppId: id, RoomId: 'r', UserIds: ['ok'], Extra: [] }, codeOrNamed('UnknownParameter', 'Extra')],
    ['DescribeRoomInfo', { SdkAppId: id, EndTime: t }, [...codeOrNamed('MissingParameter', 'StartTime'), 'MissingParameter.StartTs']],
    ['DescribeRoomInfo', { SdkAppId: id, ...win, PageSize: 101 }, [...codeOrNamed('InvalidParameterValue', 'PageSize'), 'InvalidParameter.PageSizeOversize']],
    ['DescribeRoomInfo', { SdkAppId: id, ...win, PageSize: 0 }, [...codeOrNamed('InvalidParameterValue', 'PageSize'), 'InvalidParameter.PageSize']],
    ['DescribeRoomInfo', { SdkAppId: id, StartTime: t, EndTime: t - 10 }, ['InvalidParameterValue', 'InvalidParameterValue.EndTime', 'InvalidParameter.EndTs']],
    ['DescribeUserInfo', { CommId: `${id}_1_${t}`, StartTime: t - 4 * 3600 - 1, EndTime: t, SdkAppId: id },
      ['InvalidParameterValue', 'InvalidParameterValue.EndTime', 'InvalidParameter.QueryScaleOversize', 'InvalidParameter.EndTs']],
    ['DescribeUserInfo', { CommId: `${id}_1_${t}`, ...win, SdkAppId: id, UserIds: Array.from({ length: 101 }, (_, i) => `u${i}`) },
      codeOrNamed('InvalidParameterValue', 'UserIds')],
    ['DescribeUserInfo', { ...win, SdkAppId: id }, codeOrNamed('MissingParameter', 'CommId')],
    ['DescribeUserEvent', { CommId: `${id}_1_${t}`, ...win, RoomId: '1', SdkAppId: id }, codeOrNamed('MissingParameter', 'UserId')],
    ['DescribeScaleInfo', { SdkAppId: id, StartTime: String(t - 60), EndTime: t }, [...codeOrNamed('InvalidParameter', 'StartTime'), 'InvalidParameter.StartTs']],
  ];
  const failures = [];
  for (const [action, params, codes] of cases) {
    const err = await sdkError(api.request(action, params), action);
    if (!codes.includes(err.code)) failures.push(`${action} ${JSON.stringify(params).slice(0, 120)} → ${err.code ?? err.message} (expected ${codes.join(' | ')})`);
    else assert.ok(err.requestId);
  }
  assert.deepEqual(failures, [], 'parameter errors with the wrong code');
});

// ---------------------------------------------------------------------------------------------
// Raw requests: other clients' signing quirks, garbage, never a 5xx

test('TC3 signing variants other clients use are accepted (trtc-compat §3.3)', T, async () => {
  const body = { SdkAppId: app.sdkAppId, StartTime: nowSec() - 60, EndTime: nowSec() };
  const variants = {
    'Node SDK (host without port)': {},
    'Go SDK (host with port)': { signHost: `trtc.localhost:${server.apiPort}` },
    'doc sample (content-type with charset, x-tc-action signed)': {
      contentType: 'application/json; charset=utf-8', signedHeaders: ['content-type', 'host', 'x-tc-action'],
    },
  };
  for (const [what, opts] of Object.entries(variants)) {
    const res = await rawApiRequest(server, { key, action: 'DescribeScaleInfo', body, ...opts });
    assert.equal(res.status, 200, what);
    assert.equal(envelopeCode(res, what), undefined, `${what}: ${res.text}`);
    assert.ok(Array.isArray(res.json.Response.ScaleList), what);
  }
  // A signature over other bytes than the body sent fails.
  const res = await rawApiRequest(server, { key, body, headers: { 'X-TC-Timestamp': String(nowSec() - 1) } });
  assert.equal(envelopeCode(res, 'timestamp changed after signing'), 'AuthFailure.SignatureFailure');
});

test('garbage requests get an error envelope (or a 4xx), never a 5xx', { timeout: 60000 }, async (t) => {
  const id = app.sdkAppId;
  const signed = (body, extra = {}) => ({ key, action: 'DismissRoom', body, ...extra });
  const cases = {
    'empty body': signed(''),
    'not JSON': signed('hello'),
    'JSON array': signed('[1,2,3]'),
    'JSON string': signed('"x"'),
    'truncated JSON': signed('{"SdkAppId":'),
    'nulls': signed(`{"SdkAppId":null,"RoomId":null}`),
    'duplicate keys': signed(`{"SdkAppId":${id},"SdkAppId":${id},"RoomId":1}`),
    'number 1e400': signed(`{"SdkAppId":${id},"RoomId":1e400}`),
    'huge integer': signed(`{"SdkAppId":${id},"RoomId":18446744073709551616}`),
    'deep nesting': signed(`{"SdkAppId":${id},"RoomId":1,"X":${'['.repeat(5000)}${']'.repeat(5000)}}`),
    'invalid UTF-8': signed(Buffer.concat([Buffer.from(`{"SdkAppId":${id},"RoomId":"`), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')])),
    'NUL in string': signed(`{"SdkAppId":${id},"RoomId":"a\\u0000b"}`),
    'text/plain content type': signed(`{"SdkAppId":${id},"RoomId":1}`, { contentType: 'text/plain' }),
    'no Authorization': { action: 'DismissRoom', body: `{"SdkAppId":${id},"RoomId":1}` },
    'Authorization garbage': { action: 'DismissRoom', body: '{}', authorization: 'garbage' },
    'Authorization truncated': { action: 'DismissRoom', body: '{}', authorization: 'TC3-HMAC-SHA256 Credential=AKID/2024-01-01/trtc/tc3_request, SignedHeaders=' },
    'Authorization huge': { action: 'DismissRoom', body: '{}', authorization: `TC3-HMAC-SHA256 Credential=${'A'.repeat(6000)}` },
    'no X-TC-Action': signed('{}', { headers: { 'X-TC-Action': null } }),
    'action with odd bytes': signed('{}', { action: 'Dismiss\u00e9Room<script>' }),
    'no X-TC-Timestamp': signed('{}', { headers: { 'X-TC-Timestamp': null } }),
    'X-TC-Timestamp not a number': signed('{}', { headers: { 'X-TC-Timestamp': 'yesterday' } }),
    'X-TC-Version missing': signed('{}', { headers: { 'X-TC-Version': null } }),
    'GET': signed('', { method: 'GET' }),
    '100 KB body': signed(JSON.stringify({ SdkAppId: id, RoomId: 1, Pad: 'x'.repeat(100 * 1024) })),
  };
  const seen = [];
  const requestIds = [];
  for (const [what, opts] of Object.entries(cases)) {
    const res = await rawApiRequest(server, opts);
    const code = res.status === 200 ? envelopeCode(res, what) : undefined;
    if (res.status === 200) requestIds.push([what, res.json.Response.RequestId]);
    seen.push(`${what}: HTTP ${res.status}${code ? ` ${code}` : ''}`);
    assert.ok(res.status < 500, `${what}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    if (res.status === 200) assert.equal(typeof code, 'string', `${what}: a garbage request succeeded: ${res.text.slice(0, 200)}`);
    if (res.status === 200 && /Authorization/.test(what)) assert.match(code, /^AuthFailure\./, `${what}: ${res.text.slice(0, 200)}`);
    if (what === 'X-TC-Version missing') assert.match(code ?? '', /^(NoSuchVersion|MissingParameter)/, what);
  }
  // The same oversized body through the SDK: an HTTP status the SDK reports as err.httpCode, or an
  // error envelope with err.code.
  const big = await sdkError(api.request('DismissRoom', { SdkAppId: id, RoomId: 1, Pad: 'x'.repeat(100 * 1024) }));
  assert.ok(big.code || (big.httpCode >= 400 && big.httpCode < 500), `100 KB via SDK: ${big.code} ${big.httpCode} ${big.message}`);
  seen.push(`100 KB body via SDK: ${big.code ? `code ${big.code}` : `httpCode ${big.httpCode} "${big.message}"`}`);
  t.diagnostic(`outcomes:\n  ${seen.join('\n  ')}`);
  // R19: every request that got an answer is in the audit log, rejected ones included.
  const audited = new Set((await auditList(server, { limit: 1000 })).map((r) => r.requestId));
  assert.deepEqual(requestIds.filter(([, id]) => !audited.has(id)).map(([what]) => what), [], 'requests missing from the audit log');
  // The server is still fine afterwards.
  await api.DescribeScaleInfo({ SdkAppId: id, StartTime: nowSec() - 60, EndTime: nowSec() });
});

// ---------------------------------------------------------------------------------------------
// Audit (R19)

// `atrium audit list --json` records: {timeMs, secretId, action, sdkAppId, resultCode ("Ok" on
// success), requestId, ip (masked)}.
test('atrium audit list shows every call with action, result code and masked IP, failures included', T, async () => {
  const aud = await createApp(server);
  const akey = await createApiKey(server, aud);
  const a = apiClient(server, akey);
  const id = aud.sdkAppId;
  const calls = []; // {requestId, action, code}
  const ok = await a.DescribeScaleInfo({ SdkAppId: id, StartTime: nowSec() - 60, EndTime: nowSec() });
  calls.push({ requestId: ok.RequestId, action: 'DescribeScaleInfo', code: null });
  const note = async (action, promise) => {
    const e = await sdkError(promise, action);
    assert.ok(e.code, `${action}: ${e.message}`);
    calls.push({ requestId: e.requestId, action, code: e.code });
  };
  await note('DismissRoom', a.DismissRoom({ SdkAppId: id, RoomId: newRoomId() }));
  await note('RemoveUser', a.RemoveUser({ SdkAppId: id, RoomId: 7, UserIds: [] }));
  await note('DismissRoom', apiClient(server, { secretId: akey.secretId, secretKey: 'wrong' }).DismissRoom({ SdkAppId: id, RoomId: 7 }));
  await note('DismissRoom', a.DismissRoom({ SdkAppId: app.sdkAppId, RoomId: 7 }));
  await note('NoSuchAction', a.request('NoSuchAction', { SdkAppId: id }));
  const unknownId = 'AKIDauditUnknown0000000000000000000';
  await note('DescribeRoomInfo', apiClient(server, { secretId: unknownId, secretKey: 'x' }).DescribeRoomInfo({ SdkAppId: id }));

  const all = await auditList(server, { limit: 1000 });
  const byReq = new Map(all.map((r) => [r.requestId, r]));
  for (const c of calls) {
    const r = byReq.get(c.requestId);
    assert.ok(r, `no audit record for ${c.action} (${c.code ?? 'ok'}) RequestId ${c.requestId}; sample record: ${JSON.stringify(all.at(-1))}`);
    assert.equal(r.action, c.action, `audit action of ${c.requestId}`);
    const code = r.resultCode;
    if (c.code) assert.equal(code, c.code, `audit result code of ${c.action}`);
    else assert.equal(code, 'Ok', `audit result of a success: ${JSON.stringify(r)}`);
    assert.match(String(r.ip), /^127\.0\.0\.\*$/, `masked IP in ${JSON.stringify(r)}`);
  }
  const unknownRec = byReq.get(calls.at(-1).requestId);
  assert.ok([unknownId, undefined, ''].includes(unknownRec.secretId) || String(unknownRec.secretId).includes('*'), 'claimed SecretId recorded as sent or masked');
  const everything = JSON.stringify(all);
  assert.ok(!everything.includes(akey.secretKey), 'audit records never hold a SecretKey');

  // --app filters by SdkAppId: the successful call of this app is there, other apps' calls are not.
  const mine = await auditList(server, { app: aud, limit: 1000 });
  assert.ok(mine.some((r) => r.requestId === ok.RequestId), 'audit list --app includes the app\'s call');
  assert.ok(mine.every((r) => r.sdkAppId === id), `audit list --app ${id} returned other apps' records`);
});

test('requests with ever new unknown action names do not make the server keep memory', {
  timeout: 60000,
}, async () => {
  const rssKb = () => Number(fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
  const agent = new https.Agent({ ca: server.ca, servername: 'localhost', keepAlive: true, maxSockets: 8 });
  const send = (i) => new Promise((resolve, reject) => {
    const ts = nowSec();
    const headers = {
      Host: `${API_HOST}:${server.apiPort}`, 'Content-Type': 'application/json', 'X-TC-Version': '2019-07-22',
      'X-TC-Action': `No${String(i).padStart(8, '0')}${'A'.repeat(6000)}`, 'X-TC-Timestamp': String(ts),
    };
    headers.Authorization = tc3Authorization({ secretId: key.secretId, secretKey: key.secretKey, headers: { ...headers, Host: API_HOST }, body: '{}', timestamp: ts });
    const req = https.request({ host: '127.0.0.1', port: server.apiPort, method: 'POST', path: '/', headers, agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end('{}');
  });
  try {
    for (let i = 0; i < 400; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => send(i + k))); // warm up
    const before = rssKb();
    const N = 4000;
    for (let i = 400; i < 400 + N; i += 8) await Promise.all(Array.from({ length: 8 }, (_, k) => send(i + k)));
    const grown = rssKb() - before;
    assert.ok(grown < 12 * 1024, `server RSS grew by ${grown} kB after ${N} requests with distinct 6 KB unknown action names`);
  } finally {
    agent.destroy();
  }
});
