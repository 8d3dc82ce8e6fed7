// Session grace, resume with event replay, resume errors, heartbeat timeout (protocol.md resume,
// heartbeat, session_grace_ms).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, assertError, assertOk, sleep, ERR,
} from './lib/harness.mjs';

const GRACE_MS = 1500;
const T = { timeout: 30000 };
let server;
let app;

before(async () => {
  server = await startServer({ 'signal.session_grace_ms': GRACE_MS });
  app = await createApp(server);
});
after(() => server?.stop());
afterEach(() => closeAllClients());

const b64 = (s) => Buffer.from(s).toString('base64');

async function roomWith(...names) {
  const roomId = newRoomId();
  const clients = [];
  for (const n of names) {
    const c = await connectClient(server, n);
    await c.enterOk(app, n, { roomId });
    clients.push(c);
  }
  return { roomId, clients };
}

// Drops the client's TCP connection and gives the server a moment to notice.
async function drop(client) {
  client.terminate();
  await client.waitClose(2000);
  await sleep(100);
}

test('within the grace period, resume replays the missed events and nobody saw an exit', T, async () => {
  const { roomId, clients: [alice, bob] } = await roomWith('alice', 'bob');
  assert.equal((await alice.nextEvent('remote-user-enter')).seq, 1);
  const session = alice.session;
  await drop(alice);

  // Events alice misses: seq 2-4 (messages), 5 (carol enters).
  for (const m of ['one', 'two', 'three']) await bob.ok('sendCustomMessage', { cmdId: 1, data: b64(m) });
  const carol = await connectClient(server, 'carol');
  const c = await carol.enterOk(app, 'carol', { roomId });
  assert.deepEqual(c.users.map((u) => u.userId).sort(), ['alice', 'bob'], 'a session in grace is still in the room');

  const alice2 = await connectClient(server, 'alice#2');
  const r = assertOk(await alice2.resume(session, 1), 'resume');
  assert.equal(r.sessionId, session.sessionId);
  assert.equal(r.roomId, roomId);
  assert.equal(r.scene, 'rtc');
  assert.deepEqual(r.users.map((u) => u.userId).sort(), ['bob', 'carol'], 'current users');
  assert.equal(r.eventsLost ?? false, false);

  const replay = [];
  for (let i = 0; i < 4; i++) replay.push(await alice2.nextAnyEvent());
  assert.deepEqual(replay.map((e) => e.seq), [2, 3, 4, 5]);
  assert.deepEqual(replay.slice(0, 3).map((e) => [e.event, Buffer.from(e.data.data, 'base64').toString()]),
    [['custom-message', 'one'], ['custom-message', 'two'], ['custom-message', 'three']]);
  assert.deepEqual(replay[3].data, { userId: 'carol', role: 'anchor' });
  assert.equal(replay[3].event, 'remote-user-enter');

  // Well past the grace period: nobody saw alice leave or re-enter.
  await bob.expectNoEvent('remote-user-exit', GRACE_MS + 700);
  await carol.expectNoEvent('remote-user-exit', 0);
  await bob.expectNoEvent('remote-user-enter', 0, (e) => e.data.userId === 'alice');

  // The resumed session is fully alive: it sends, receives, and its seq continues.
  await alice2.ok('sendCustomMessage', { cmdId: 2, data: b64('back') });
  assert.equal((await bob.nextEvent('custom-message')).data.userId, 'alice');
  await bob.ok('sendCustomMessage', { cmdId: 2, data: b64('welcome') });
  assert.equal((await alice2.nextEvent('custom-message')).seq, 6);
});

test('resume on a third connection closes the second with 4000 and replays from lastSeq', T, async () => {
  const { clients: [alice, bob] } = await roomWith('alice', 'bob');
  await alice.nextEvent('remote-user-enter'); // seq 1
  await drop(alice);
  for (const m of ['a', 'b', 'c']) await bob.ok('sendCustomMessage', { cmdId: 1, data: b64(m) }); // seq 2-4

  const second = await connectClient(server, 'alice#2');
  assertOk(await second.resume(alice.session, 0), 'resume from 0');
  const all = [];
  for (let i = 0; i < 4; i++) all.push((await second.nextAnyEvent()).seq);
  assert.deepEqual(all, [1, 2, 3, 4], 'lastSeq 0 replays everything buffered');

  const third = await connectClient(server, 'alice#3');
  assertOk(await third.resume(second.session, 3), 'resume while the second connection is open');
  const closed = await second.waitClose(3000);
  assert.equal(closed.code, 4000);
  assert.equal(closed.reason, 'resumed elsewhere');
  const e = await third.nextAnyEvent();
  assert.equal(e.seq, 4);
  assert.equal(Buffer.from(e.data.data, 'base64').toString(), 'c');
  await third.expectNoEvent('custom-message', 300);
  await bob.expectNoEvent('remote-user-exit', 0);
});

test('after the grace period others see exit reason 1 and resume gives SESSION_NOT_FOUND', T, async () => {
  const { clients: [alice, bob] } = await roomWith('alice', 'bob');
  const session = alice.session;
  const t0 = Date.now();
  await drop(alice);
  const exit = await bob.nextEvent('remote-user-exit', GRACE_MS + 5000);
  const elapsed = Date.now() - t0;
  assert.deepEqual(exit.data, { userId: 'alice', reason: 1 });
  assert.ok(elapsed >= GRACE_MS - 300, `exit announced after ${elapsed} ms, before the ${GRACE_MS} ms grace`);

  const late = await connectClient(server, 'alice#late');
  assertError(await late.resume(session, 0), ERR.SESSION_NOT_FOUND, 'resume after grace');
  // The connection can still enter normally, and bob is unaffected.
  await bob.ok('heartbeat');
  const again = await late.enterOk(app, 'alice', { roomId: newRoomId() });
  assert.deepEqual(again.users, []);
});

test('resume errors: wrong token → RESUME_DENIED, unknown or left session → SESSION_NOT_FOUND', T, async () => {
  const { clients: [alice, bob] } = await roomWith('alice', 'bob');
  const session = alice.session;
  await drop(alice);

  const x = await connectClient(server, 'x');
  const wrong = session.resumeToken.slice(0, -4) + (session.resumeToken.endsWith('aaaa') ? 'bbbb' : 'aaaa');
  assertError(await x.resume({ sessionId: session.sessionId, resumeToken: wrong }), ERR.RESUME_DENIED, 'wrong token');
  assertError(await x.resume({ sessionId: 'no-such-session', resumeToken: session.resumeToken }), ERR.SESSION_NOT_FOUND, 'unknown');
  assertError(await x.request('resume', { sessionId: session.sessionId }), ERR.BAD_REQUEST, 'token missing');
  assertError(await x.request('resume', { sessionId: 42, resumeToken: 'x' }), ERR.BAD_REQUEST, 'sessionId not a string');
  // Bob's resumeToken does not open alice's session.
  assertError(await x.resume({ sessionId: session.sessionId, resumeToken: bob.session.resumeToken }), ERR.RESUME_DENIED, 'other token');

  // A denied attempt does not kill the session: the right token still works.
  assertOk(await x.resume(session, 0), 'resume with the right token');
  await x.ok('exitRoom');
  assert.deepEqual((await bob.nextEvent('remote-user-exit')).data, { userId: 'alice', reason: 0 });
  const y = await connectClient(server, 'y');
  assertError(await y.resume(x.session, 0), ERR.SESSION_NOT_FOUND, 'resume after exitRoom');
});

test('heartbeat: a silent connection is closed with 4002, then leaves after the grace period', T, async () => {
  const hbServer = await startServer({ 'signal.heartbeat_interval_ms': 400, 'signal.session_grace_ms': 800 });
  try {
    const hbApp = await createApp(hbServer);
    const roomId = newRoomId();
    const alive = await connectClient(hbServer, 'alive');
    const d = await alive.enterOk(hbApp, 'alive', { roomId });
    assert.equal(d.heartbeatIntervalMs, 400);
    assert.equal(d.sessionGraceMs, 800);
    const mute = await connectClient(hbServer, 'mute', { autoPong: false });
    await mute.enterOk(hbApp, 'mute', { roomId });

    // `alive` sends a heartbeat every interval; `mute` sends nothing and ignores pings.
    const t0 = Date.now();
    const closedP = mute.waitClose(8000);
    let closed;
    while (!closed && Date.now() - t0 < 8000) {
      await alive.ok('heartbeat');
      closed = await Promise.race([closedP, sleep(300).then(() => undefined)]);
    }
    assert.ok(closed, 'silent connection was not closed');
    assert.equal(closed.code, 4002);
    assert.ok(Date.now() - t0 >= 1000, 'closed before 3 × heartbeatIntervalMs');
    assert.equal(alive.closed, null, 'a heartbeating connection stays open');

    const exit = await alive.nextEvent('remote-user-exit', 5000);
    assert.deepEqual(exit.data, { userId: 'mute', reason: 1 });
  } finally {
    await hbServer.stop();
  }
});

test('more missed events than the buffer holds → eventsLost, the newest buffered events are replayed', T, async () => {
  const roomId = newRoomId();
  const alice = await connectClient(server, 'alice');
  await alice.enterOk(app, 'alice', { roomId });
  // 10 senders × 27 messages = 270 events for alice, more than the 256 the session buffers.
  const senders = [];
  for (let i = 0; i < 10; i++) {
    const s = await connectClient(server, `s${i}`);
    await s.enterOk(app, `sender${i}`, { roomId });
    senders.push(s);
  }
  for (let i = 0; i < 10; i++) await alice.nextEvent('remote-user-enter');
  const session = alice.session;
  const seqBefore = alice.lastSeq; // 10
  await drop(alice);
  const resps = await Promise.all(senders.flatMap((s) => Array.from({ length: 27 }, () => s.request('sendCustomMessage', { cmdId: 1, data: 'eA==' }))));
  resps.forEach((r, i) => assertOk(r, `message ${i}`));

  const back = await connectClient(server, 'alice#2');
  const r = assertOk(await back.resume(session, seqBefore), 'resume');
  assert.equal(r.eventsLost, true);
  assert.equal(r.users.length, 10);
  const seqs = [];
  const deadline = Date.now() + 5000;
  while (seqs.at(-1) !== seqBefore + 270 && Date.now() < deadline) seqs.push((await back.nextAnyEvent()).seq);
  assert.equal(seqs.at(-1), seqBefore + 270, 'the newest event is replayed');
  assert.ok(seqs.length <= 256, `replayed ${seqs.length} events, buffer is 256`);
  assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), 'replayed events are consecutive and in order');
  assert.ok(seqs[0] > seqBefore + 1, 'the oldest missed events were lost');
});

test('SIGTERM closes open connections with 1001', T, async () => {
  const own = await startServer();
  const ownApp = await createApp(own);
  const inRoom = await connectClient(own, 'in-room');
  await inRoom.enterOk(ownApp, 'stayer', { roomId: newRoomId() });
  const idle = await connectClient(own, 'idle');
  const closes = Promise.all([inRoom.waitClose(8000), idle.waitClose(8000)]);
  await own.stop();
  for (const c of await closes) assert.equal(c.code, 1001);
});
