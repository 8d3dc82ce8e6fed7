// Interop: room event callbacks (trtc-compat §6, R9) received by an HTTPS server of the test's own
// (self-signed certificate made with openssl, trusted by atriumd through --callback.ca_file),
// which checks the Sign header of every request with the app's callback key.
//
//   cd tests && node --test interop/callbacks.test.mjs
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, newStrRoomId, sleep,
  createApiKey, setCallbackUrl, runCli,
} from '../integration/lib/harness.mjs';
import { apiClient } from '../integration/lib/trtc-api.mjs';
import { selfSignedCert, CallbackReceiver, callbackSign } from '../integration/lib/callback-receiver.mjs';

const RETRY_MS = 2000;
const CALLBACK_FLAGS = (cert) => ({
  'callback.ca_file': cert.certPath,
  'callback.retry_interval_ms': RETRY_MS,
  'callback.give_up_after_ms': 60000,
  'callback.timeout_ms': 2000,
  'signal.session_grace_ms': 1500,
});

let cert;
let rx;       // the receiver of `app`'s callbacks
let server;
let app;
let callbackKey;

before(async () => {
  cert = await selfSignedCert();
  rx = await CallbackReceiver.start(cert);
  server = await startServer(CALLBACK_FLAGS(cert));
  app = await createApp(server);
  const shown = await setCallbackUrl(server, app, rx.url);
  callbackKey = shown.callbackKey;
  assert.match(String(callbackKey), /^[A-Za-z0-9]{1,32}$/, `app show --reveal callbackKey (≤ 32 chars [A-Za-z0-9], as TRTC's console allows): ${JSON.stringify(shown)}`);
  rx.key = callbackKey;
});
after(async () => {
  await closeAllClients();
  await server?.stop();
  await rx?.stop();
  await cert?.remove();
});
afterEach(async () => {
  await closeAllClients();
  rx.assertNoProblems();
});

const sameRoom = (room) => (b) => b.EventInfo?.RoomId === room;
const pairs = (events) => events.map((b) => `${b.EventType}:${b.EventInfo.UserId ?? ''}`);

// Checks the fields every room event has; returns EventInfo.
function checkCommon(body, room, t0, t1, what) {
  const ctx = `${what}: ${JSON.stringify(body)}`;
  assert.equal(body.EventGroupId, 1, ctx);
  assert.ok([101, 102, 103, 104, 105].includes(body.EventType), ctx);
  const info = body.EventInfo;
  assert.equal(typeof info, 'object', ctx);
  assert.equal(info.RoomId, room, `${ctx}: RoomId has the type the client used`);
  assert.equal(typeof info.EventMsTs, 'number', ctx);
  assert.ok(info.EventMsTs >= t0 - 5 && info.EventMsTs <= t1 + 5, `${ctx}: EventMsTs outside [${t0}, ${t1}]`);
  assert.equal(info.EventTs, Math.floor(info.EventMsTs / 1000), `${ctx}: EventTs = EventMsTs in seconds`);
  assert.equal(typeof body.CallbackTs, 'number', ctx);
  assert.ok(body.CallbackTs >= info.EventMsTs && body.CallbackTs <= Date.now() + 1000, `${ctx}: CallbackTs`);
  if (body.EventType >= 103) assert.equal(typeof info.UserId, 'string', ctx);
  else if (info.UserId !== undefined) assert.equal(typeof info.UserId, 'string', ctx);
  return info;
}

// The deliveries (with headers) of one room's events.
const deliveriesOf = (room) => rx.events.filter((e) => sameRoom(room)(e.body));

test('the receiver checks Sign as TRTC documents it (trtc-compat §6 vector)', () => {
  const body = '{\n\t"EventGroupId":\t1,\n\t"EventType":\t103,\n\t"CallbackTs":\t1615554923704,\n\t"EventInfo":\t{\n\t\t"RoomId":\t12345,\n\t\t"EventTs":\t1608441737,\n\t\t"UserId":\t"test",\n\t\t"UniqueId":\t1615554922656,\n\t\t"Role":\t20,\n\t\t"Reason":\t1\n\t}\n}';
  assert.equal(Buffer.byteLength(body), 212);
  assert.equal(callbackSign('trtcCallbackKey123', Buffer.from(body)), 'bs6VYcChWIOG54t45FiwgmEiUoMCVHp5ybTjIZ0cCFc=');
});

test('a live-room scenario produces 101, 103, 105, 104, 102 with the documented fields and a valid Sign', { timeout: 30000 }, async () => {
  const roomId = newRoomId();
  const t0 = Date.now();
  const alice = await connectClient(server, 'alice');
  const bob = await connectClient(server, 'bob');
  await alice.enterOk(app, 'alice', { roomId, scene: 'live', role: 'anchor' });
  await bob.enterOk(app, 'bob', { roomId, scene: 'live', role: 'audience' });
  await sleep(20); // distinct EventMsTs for the ordering check
  await bob.ok('switchRole', { role: 'anchor' });
  await sleep(20);
  await bob.ok('exitRoom');
  await sleep(20);
  await alice.ok('exitRoom');
  const t1 = Date.now();

  const events = await rx.waitForCount(sameRoom(roomId), 7, 8000, 'the 7 events of the scenario');
  await sleep(500); // nothing more should come
  const all = rx.events.map((e) => e.body).filter(sameRoom(roomId));
  const ordered = [...all].sort((x, y) => x.EventInfo.EventMsTs - y.EventInfo.EventMsTs);
  // 102 may or may not name a user (the last one); compare without it.
  const named = pairs(all).map((p) => (p.startsWith('102:') ? '102' : p));
  assert.deepEqual(named.sort(), ['101:alice', '102', '103:alice', '103:bob', '104:alice', '104:bob', '105:bob'].sort(),
    `each event exactly once: ${pairs(all)}`);
  assert.equal(events.length, 7);

  // In event time: 101 ≤ 103(alice) ≤ 103(bob) < 105 < 104(bob) < 104(alice) ≤ 102.
  const at = (type, user) => all.find((b) => b.EventType === type && (user === undefined || b.EventInfo.UserId === user)).EventInfo.EventMsTs;
  assert.ok(at(101) <= at(103, 'alice'), '101 before alice\'s 103');
  assert.ok(at(103, 'alice') <= at(103, 'bob'));
  assert.ok(at(103, 'bob') < at(105, 'bob'));
  assert.ok(at(105, 'bob') < at(104, 'bob'));
  assert.ok(at(104, 'bob') < at(104, 'alice'));
  assert.ok(at(104, 'alice') <= at(102), `102 last: ${pairs(ordered)}`);

  for (const b of all) {
    const info = checkCommon(b, roomId, t0, t1, `${b.EventType}`);
    switch (b.EventType) {
      case 101:
        if (info.UserId !== undefined) assert.equal(info.UserId, 'alice', '101 names the creator');
        break;
      case 103:
        assert.equal(info.Role, info.UserId === 'alice' ? 20 : 21, `103 Role of ${info.UserId}`);
        assert.equal(info.Reason, 1, '103 Reason 1 (normal)');
        assert.equal(typeof info.TerminalType, 'number');
        assert.equal(typeof info.UserType, 'number');
        break;
      case 104:
        assert.equal(info.Reason, 1, '104 Reason 1 (normal exit)');
        assert.equal(info.Role, 20, `104 Role of ${info.UserId} (an anchor when leaving)`);
        break;
      case 105:
        assert.equal(info.Role, 20, '105 carries the new role');
        break;
      default:
    }
  }
  for (const d of deliveriesOf(roomId)) {
    assert.equal(d.headers.sdkappid, String(app.sdkAppId), 'SdkAppId header');
    assert.equal(d.signOk, true);
    assert.match(d.headers['content-type'], /^application\/json/);
  }
});

test('string rooms: RoomId is a string; RemoveUser gives 104 Reason 3; DismissRoom gives 104 and 102', { timeout: 30000 }, async () => {
  const str = newStrRoomId('cb room ');
  const api = apiClient(server, await createApiKey(server, app));
  const t0 = Date.now();
  const clients = [];
  for (const u of ['alice', 'bob', 'carol']) {
    const c = await connectClient(server, u);
    await c.enterOk(app, u, { strRoomId: str });
    clients.push(c);
  }
  await rx.waitForCount((b) => sameRoom(str)(b) && b.EventType === 103, 3, 5000, 'three 103');
  await api.RemoveUserByStrRoomId({ SdkAppId: app.sdkAppId, RoomId: str, UserIds: ['bob'] });
  const removed = await rx.waitFor((b) => sameRoom(str)(b) && b.EventType === 104 && b.EventInfo.UserId === 'bob', 5000, '104 of bob');
  assert.equal(removed.EventInfo.Reason, 3, `104 Reason 3 (removed from the room): ${JSON.stringify(removed)}`);
  await clients[2].ok('exitRoom');
  await api.DismissRoomByStrRoomId({ SdkAppId: app.sdkAppId, RoomId: str });
  await rx.waitFor((b) => sameRoom(str)(b) && b.EventType === 102, 5000, '102 after DismissRoomByStrRoomId');
  await sleep(300);
  const t1 = Date.now();
  const all = rx.events.map((e) => e.body).filter(sameRoom(str));
  const named = pairs(all).map((p) => (p.startsWith('102:') ? '102' : p));
  assert.deepEqual(named.sort(), ['101:alice', '102', '103:alice', '103:bob', '103:carol', '104:alice', '104:bob', '104:carol'].sort(),
    `each event exactly once: ${pairs(all)}`);
  for (const b of all) checkCommon(b, str, t0, t1, `${b.EventType}`);
  const carolExit = all.find((b) => b.EventType === 104 && b.EventInfo.UserId === 'carol');
  assert.equal(carolExit.EventInfo.Reason, 1);
  const aliceExit = all.find((b) => b.EventType === 104 && b.EventInfo.UserId === 'alice');
  assert.notEqual(aliceExit.EventInfo.Reason, 1, `alice left because the room was dismissed: ${JSON.stringify(aliceExit)}`);
});

// Runs a small room (enter a, enter b, exit b, exit a) and returns the expected (type, user) list.
async function runRoom(room, users = ['u1', 'u2']) {
  const clients = [];
  for (const u of users) {
    const c = await connectClient(server, u);
    await c.enterOk(app, u, typeof room === 'number' ? { roomId: room } : { strRoomId: room });
    clients.push(c);
  }
  for (const c of [...clients].reverse()) {
    await sleep(10);
    await c.ok('exitRoom');
  }
  await Promise.all(clients.map((c) => c.close()));
  return ['101', '102', ...users.flatMap((u) => [`103:${u}`, `104:${u}`])];
}

// Asserts every expected (type, user) of the room arrived, each as one event (one EventMsTs, any
// number of deliveries); returns the number of duplicate deliveries.
function assertComplete(room, expected, what) {
  const got = rx.events.map((e) => e.body).filter(sameRoom(room));
  const distinct = new Map();
  for (const b of got) {
    const k = b.EventType === 101 || b.EventType === 102 ? String(b.EventType) : `${b.EventType}:${b.EventInfo.UserId}`;
    if (!distinct.has(k)) distinct.set(k, new Set());
    distinct.get(k).add(b.EventInfo.EventMsTs);
  }
  assert.deepEqual([...distinct.keys()].sort(), [...expected].sort(), `${what}: (EventType, UserId) set`);
  for (const [k, ts] of distinct) assert.equal(ts.size, 1, `${what}: ${k} delivered with different EventMsTs ${[...ts]}`);
  return got.length - distinct.size;
}

test('a dropped connection whose grace period ends gives 104 Reason 2 (timeout), then 102', { timeout: 15000 }, async () => {
  const roomId = newRoomId();
  const t0 = Date.now();
  const c = await connectClient(server, 'ghost');
  await c.enterOk(app, 'ghost', { roomId });
  c.terminate(); // no exitRoom: the session ends when session_grace_ms (1.5 s) runs out
  const exit = await rx.waitFor((b) => sameRoom(roomId)(b) && b.EventType === 104, 6000, '104 after the grace period');
  assert.equal(exit.EventInfo.UserId, 'ghost');
  assert.equal(exit.EventInfo.Reason, 2, `104 Reason 2 (timeout): ${JSON.stringify(exit)}`);
  assert.ok(exit.EventInfo.EventMsTs - t0 >= 1400, 'the exit is dated at the end of the grace period');
  await rx.waitFor((b) => sameRoom(roomId)(b) && b.EventType === 102, 3000, '102 after the last user timed out');
});

test('receiver down for 20 s: every event queued meanwhile arrives after it is back (retry every 2 s)', { timeout: 60000 }, async (t) => {
  const port = rx.port;
  await rx.stop();
  const down = Date.now();
  const roomA = newRoomId();
  const roomB = newStrRoomId('cb down ');
  const expectA = await runRoom(roomA, ['d1', 'd2']);
  await sleep(10000);
  const expectB = await runRoom(roomB, ['d3', 'd4', 'd5']); // first attempts in the middle of the outage
  await sleep(Math.max(0, 20000 - (Date.now() - down)));
  assert.equal(rx.events.filter((e) => sameRoom(roomA)(e.body) || sameRoom(roomB)(e.body)).length, 0);

  await rx.listen(port);
  const up = Date.now();
  const total = expectA.length + expectB.length;
  await rx.waitUntil(() => {
    const keys = new Set(rx.events.map((e) => e.body).filter((b) => sameRoom(roomA)(b) || sameRoom(roomB)(b))
      .map((b) => `${JSON.stringify(b.EventInfo.RoomId)}|${b.EventType}|${b.EventInfo.UserId ?? ''}|${b.EventInfo.EventMsTs}`));
    return keys.size >= total ? true : undefined;
  }, RETRY_MS + 8000, `${total} events after the receiver came back`);
  const latency = Date.now() - up;
  await sleep(500);
  const dupA = assertComplete(roomA, expectA, 'room A (before the outage\'s middle)');
  const dupB = assertComplete(roomB, expectB, 'room B (in the middle of the outage)');
  assert.ok(latency <= RETRY_MS + 3000, `all events arrived ${latency} ms after the receiver came back (retry interval ${RETRY_MS} ms)`);
  t.diagnostic(`delivered ${latency} ms after the receiver came back; duplicate deliveries: ${dupA + dupB}`);
});

test('atriumd stopped (SIGTERM) with events queued and restarted on the same data dir: the events arrive', { timeout: 60000 }, async (t) => {
  const port = rx.port;
  await rx.stop();
  const room = newRoomId();
  const expected = await runRoom(room, ['r1', 'r2']);
  await sleep(1000); // first attempt and immediate retry have failed: the events wait in the queue
  const stoppedAt = Date.now();
  const exited = await server.stop({ keep: true });
  assert.notEqual(exited.signal, 'SIGKILL', `atriumd did not stop on SIGTERM within 8 s: ${JSON.stringify(exited)}`);
  server = await startServer(server.flags, { dir: server.dir });
  await sleep(500);
  await rx.listen(port);
  const up = Date.now();
  await rx.waitUntil(() => {
    const got = rx.events.map((e) => e.body).filter(sameRoom(room));
    return new Set(got.map((b) => `${b.EventType}|${b.EventInfo.UserId ?? ''}`)).size >= expected.length ? true : undefined;
  }, RETRY_MS + 10000, `the ${expected.length} queued events after the restart`);
  await sleep(300);
  const dups = assertComplete(room, expected, 'events queued across the restart');
  for (const b of rx.events.map((e) => e.body).filter(sameRoom(room))) {
    assert.ok(b.EventInfo.EventMsTs < stoppedAt, `an event of before the restart keeps its time: ${JSON.stringify(b)}`);
  }
  for (const d of deliveriesOf(room)) assert.equal(d.signOk, true);
  t.diagnostic(`delivered ${Date.now() - up} ms after the receiver came back; duplicate deliveries: ${dups}`);
});

test('atriumd killed (kill -9) with users in a room: after the restart every 103 gets its 104 (Reason 2, last role) and the room its 102', { timeout: 60000 }, async (t) => {
  const roomId = newRoomId();
  const anchor = await connectClient(server, 'crash-anchor');
  const viewer = await connectClient(server, 'crash-viewer');
  await anchor.enterOk(app, 'crash_anchor', { roomId, scene: 'live', role: 'anchor' });
  await viewer.enterOk(app, 'crash_viewer', { roomId, scene: 'live', role: 'anchor' });
  await viewer.ok('switchRole', { role: 'audience' });  // its 104 must say audience
  await rx.waitForCount(sameRoom(roomId), 4, 8000, '101, two 103 and the 105');
  const killedAt = Date.now();
  server.child.kill('SIGKILL');
  await new Promise((r) => { const poll = () => (server.isRunning() ? setTimeout(poll, 50) : r()); poll(); });
  server = await startServer(server.flags, { dir: server.dir });
  const events = await rx.waitForCount(sameRoom(roomId), 7, 10000, 'the two 104 and the 102 after the restart');
  await sleep(500);  // nothing more should come
  const all = rx.events.map((e) => e.body).filter(sameRoom(roomId));
  assert.deepEqual([...new Set(pairs(all))].sort(), ['101:crash_anchor', '102:', '103:crash_anchor', '103:crash_viewer',
    '104:crash_anchor', '104:crash_viewer', '105:crash_viewer'], JSON.stringify(all));
  const exits = all.filter((b) => b.EventType === 104);
  assert.equal(exits.length, 2, JSON.stringify(all));
  for (const e of exits) {
    assert.equal(e.EventInfo.Reason, 2, `Reason 2 (timeout): ${JSON.stringify(e)}`);
    assert.ok(e.EventInfo.EventMsTs >= killedAt, 'dated at the restart');
  }
  assert.equal(exits.find((e) => e.EventInfo.UserId === 'crash_viewer').EventInfo.Role, 21, 'the viewer left as audience');
  assert.equal(exits.find((e) => e.EventInfo.UserId === 'crash_anchor').EventInfo.Role, 20);
  const order = all.map((b) => b.EventType);
  assert.equal(order.filter((x) => x === 102).length, 1);
  assert.ok(order.lastIndexOf(104) < order.indexOf(102), `102 after every 104: ${order}`);
  for (const d of deliveriesOf(roomId)) assert.equal(d.signOk, true);
  t.diagnostic(`events: ${order.join(' ')}; ${events.length} in all`);
});

test('a failing receiver (HTTP 500) is retried at once, then every retry_interval, and given up after give_up_after', { timeout: 30000 }, async (t) => {
  // Own server and receiver: a short schedule (retry 500 ms, give up after 3 s).
  const bad = await CallbackReceiver.start(cert);
  bad.status = 500;
  const s2 = await startServer({ ...CALLBACK_FLAGS(cert), 'callback.retry_interval_ms': 500, 'callback.give_up_after_ms': 3000 });
  try {
    const a2 = await createApp(s2);
    bad.key = (await setCallbackUrl(s2, a2, bad.url)).callbackKey;
    const roomId = newRoomId();
    const c = await connectClient(s2, 'solo');
    await c.enterOk(a2, 'solo', { roomId });
    const attemptsOf101 = () => bad.events.filter((e) => e.body.EventType === 101 && e.body.EventInfo.RoomId === roomId);
    await bad.waitUntil(() => (attemptsOf101().length >= 2 ? true : undefined), 3000, 'first attempt and immediate retry');
    await sleep(3000 + 1500); // the whole window and then some
    const times = attemptsOf101().map((e) => e.at);
    const gaps = times.slice(1).map((x, i) => x - times[i]);
    const ctx = `attempt times (ms after the first): ${times.map((x) => x - times[0])}`;
    t.diagnostic(ctx);
    assert.ok(gaps[0] <= 400, `immediate retry: ${ctx}`);
    for (const g of gaps.slice(1)) assert.ok(g >= 350 && g <= 1500, `retries about every 500 ms: ${ctx}`);
    assert.ok(times.length >= 5 && times.length <= 9, `about 2 + 3000/500 attempts: ${ctx}`);
    assert.ok(times.at(-1) - times[0] <= 3000 + 600, `no attempt starts after give_up_after: ${ctx}`);
    assert.ok(times.at(-1) - times[0] >= 3000 - 400, `the last attempt comes when give_up_after is over, not before: ${ctx}`);
    assert.ok(bad.problems.length === 0, JSON.stringify(bad.problems));
    // One event retried (CallbackTs may differ per attempt, the event time may not).
    assert.equal(new Set(attemptsOf101().map((e) => e.body.EventInfo.EventMsTs)).size, 1, 'one event, retried');
    // Given-up events are counted and visible to operators.
    const state = JSON.parse(await runCli(s2, ['callbacks', '--app', String(a2.sdkAppId), '--json']));
    assert.ok(state.failed >= 1, `given-up callbacks are counted: ${JSON.stringify(state)}`);
    // ... listed with what they were about, and re-sent once the receiver is fixed.
    const listed = JSON.parse(await runCli(s2, ['callbacks', 'list', '--app', String(a2.sdkAppId), '--json']));
    const given101 = listed.filter((f) => f.body.EventType === 101 && f.body.EventInfo.RoomId === roomId);
    assert.equal(given101.length, 1, JSON.stringify(listed));
    assert.ok(given101[0].attempts >= 5 && given101[0].reason.length > 0, JSON.stringify(given101[0]));
    bad.status = 200;
    const before = attemptsOf101().length;
    const resent = await runCli(s2, ['callbacks', 'resend', '--all', '--app', String(a2.sdkAppId)]);
    assert.match(resent, new RegExp(`resent ${given101[0].id} as job \\d+`));
    await bad.waitUntil(() => (attemptsOf101().length > before ? true : undefined), 5000, 'the re-sent 101');
    const redelivered = attemptsOf101().at(-1);
    assert.equal(redelivered.body.EventInfo.EventMsTs, attemptsOf101()[0].body.EventInfo.EventMsTs, 'the same event');
    assert.ok(bad.problems.length === 0, `its Sign still checks: ${JSON.stringify(bad.problems)}`);
    await sleep(300);
    const after = JSON.parse(await runCli(s2, ['callbacks', '--app', String(a2.sdkAppId), '--json']));
    assert.equal(after.failed, state.failed - listed.length, `re-sent ones leave the failures: ${JSON.stringify(after)}`);
    await assert.rejects(runCli(s2, ['callbacks', 'resend', String(given101[0].id)]), /no given-up callback/);
  } finally {
    await s2.stop();
    await bad.stop();
  }
});

test('atriumd verifies the receiver\'s certificate: untrusted or wrong-name receivers get nothing', { timeout: 30000 }, async () => {
  // One CA bundle trusts `control` and `wrongName`; `wrongName` is valid for another host only;
  // `untrusted` is in no bundle. Only the control receiver may get events.
  const control = await selfSignedCert({ cn: 'control' });
  const wrongName = await selfSignedCert({ cn: 'wrong-name', san: 'DNS:receiver.example' });
  const untrusted = await selfSignedCert({ cn: 'untrusted' });
  const bundle = path.join(control.dir, 'bundle.pem');
  await fsp.writeFile(bundle, Buffer.concat([control.cert, wrongName.cert]));
  const receivers = await Promise.all([control, wrongName, untrusted].map((c) => CallbackReceiver.start(c)));
  const s3 = await startServer({ ...CALLBACK_FLAGS(cert), 'callback.ca_file': bundle, 'callback.retry_interval_ms': 500 });
  try {
    const rooms = [];
    for (const r of receivers) {
      const a = await createApp(s3);
      r.key = (await setCallbackUrl(s3, a, r.url)).callbackKey;
      const roomId = newRoomId();
      const c = await connectClient(s3, 'tls');
      await c.enterOk(a, 'tls', { roomId });
      rooms.push(roomId);
    }
    await receivers[0].waitFor((b) => b.EventType === 103 && b.EventInfo.RoomId === rooms[0], 5000, 'the control receiver\'s 103');
    await sleep(1500); // immediate retry and a few more at 500 ms
    assert.equal(receivers[1].requests.length, 0, 'a certificate for another host name must be refused (hostname verification)');
    assert.equal(receivers[2].requests.length, 0, 'a certificate outside --callback.ca_file must be refused');
    receivers[0].assertNoProblems();
  } finally {
    await closeAllClients();
    await s3.stop();
    for (const r of receivers) await r.stop();
    for (const c of [control, wrongName, untrusted]) await c.remove();
  }
});
