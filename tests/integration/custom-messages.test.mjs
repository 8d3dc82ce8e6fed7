// sendCustomMessage: ordering, per-sender seq, validation and the per-sender limits
// (protocol.md sendCustomMessage; R4: cmdId 1-10, ≤ 1000 bytes, 30 msg/s, 8 KB/s).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, closeAllClients, newRoomId, assertError, assertOk, ERR,
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

const b64 = (s) => Buffer.from(s).toString('base64');
const bytes = (n, fill = 0x61) => Buffer.alloc(n, fill).toString('base64');

// Connects `names` and puts them in one fresh room; returns the clients in order.
async function room(names, opts = {}) {
  const roomId = newRoomId();
  const clients = await Promise.all(names.map((n) => connectClient(server, n)));
  for (const [i, c] of clients.entries()) {
    const role = opts.roles?.[i];
    await c.enterOk(app, names[i], { roomId, ...(opts.scene && { scene: opts.scene }), ...(role && { role }) });
  }
  return clients;
}

// Sends all messages without waiting in between; resolves with the responses in order.
const burst = (client, msgs) => Promise.all(msgs.map((m) => client.request('sendCustomMessage', m)));

test('messages arrive in order with the sender\'s seq; the response carries the same seq', T, async () => {
  const [alice, bob, carol] = await room(['alice', 'bob', 'carol']);
  const msgs = Array.from({ length: 20 }, (_, i) => ({ cmdId: 1 + (i % 10), data: b64(`msg-${i}`) }));
  const resps = await burst(bob, msgs);
  assert.deepEqual(resps.map((r) => assertOk(r).seq), msgs.map((_, i) => i + 1));

  for (const rx of [alice, carol]) {
    for (const [i, m] of msgs.entries()) {
      const e = await rx.nextEvent('custom-message');
      assert.deepEqual(e.data, { userId: 'bob', cmdId: m.cmdId, seq: i + 1, data: m.data }, `${rx.label} #${i}`);
      assert.equal(typeof e.seq, 'number', 'the event itself has a session seq');
    }
  }
  await bob.expectNoEvent('custom-message', 200); // the sender does not get its own messages

  // Each sender has its own counter, starting at 1.
  assert.equal((await alice.ok('sendCustomMessage', { cmdId: 5, data: b64('from alice') })).seq, 1);
  assert.equal((await bob.ok('sendCustomMessage', { cmdId: 5, data: '' })).seq, 21, 'empty payload is allowed');
  const fromAlice = await carol.nextEvent('custom-message');
  assert.equal(fromAlice.data.userId, 'alice');
  assert.equal(fromAlice.data.seq, 1);
  const empty = await carol.nextEvent('custom-message');
  assert.deepEqual(empty.data, { userId: 'bob', cmdId: 5, seq: 21, data: '' });
});

test('exactly 1000 bytes is accepted and delivered intact', T, async () => {
  const [alice, bob] = await room(['alice', 'bob']);
  const payload = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
  await alice.ok('sendCustomMessage', { cmdId: 10, data: payload.toString('base64') });
  const e = await bob.nextEvent('custom-message');
  assert.deepEqual(Buffer.from(e.data.data, 'base64'), payload);
  assert.equal(e.data.cmdId, 10);
});

test('invalid messages: cmdId 0/11, > 1000 bytes, bad base64 → INVALID_PARAMETER; wrong types → BAD_REQUEST', T, async () => {
  const [alice, bob] = await room(['alice', 'bob']);
  const send = (d) => alice.request('sendCustomMessage', d);
  assertError(await send({ cmdId: 0, data: b64('x') }), ERR.INVALID_PARAMETER, 'cmdId 0');
  assertError(await send({ cmdId: 11, data: b64('x') }), ERR.INVALID_PARAMETER, 'cmdId 11');
  assertError(await send({ cmdId: -1, data: b64('x') }), ERR.INVALID_PARAMETER, 'cmdId -1');
  assertError(await send({ cmdId: 1, data: bytes(1001) }), ERR.INVALID_PARAMETER, '1001 bytes');
  assertError(await send({ cmdId: 1, data: 'not base64 !!' }), ERR.INVALID_PARAMETER, 'bad base64');
  assertError(await send({ cmdId: 1, data: 'aGV_bG8-' }), ERR.INVALID_PARAMETER, 'url-safe alphabet is not standard base64');
  assertError(await send({ cmdId: '1', data: b64('x') }), ERR.BAD_REQUEST, 'cmdId as string');
  assertError(await send({ cmdId: 1, data: 42 }), ERR.BAD_REQUEST, 'data as number');
  assertError(await send({ data: b64('x') }), ERR.BAD_REQUEST, 'cmdId missing');
  assertError(await send({ cmdId: 1 }), ERR.BAD_REQUEST, 'data missing');
  await bob.expectNoEvent('custom-message', 300);
  // Rejected messages consume no seq.
  assert.equal((await alice.ok('sendCustomMessage', { cmdId: 1, data: b64('ok') })).seq, 1);
});

test('live: audience receives messages but may not send (PERMISSION_DENIED)', T, async () => {
  const [anchor, aud1, aud2] = await room(['anchor', 'aud1', 'aud2'], { scene: 'live', roles: ['anchor', 'audience', 'audience'] });
  await anchor.ok('sendCustomMessage', { cmdId: 2, data: b64('to the audience') });
  for (const a of [aud1, aud2]) {
    const e = await a.nextEvent('custom-message');
    assert.deepEqual(e.data, { userId: 'anchor', cmdId: 2, seq: 1, data: b64('to the audience') });
  }
  assertError(await aud1.request('sendCustomMessage', { cmdId: 2, data: b64('heckle') }), ERR.PERMISSION_DENIED, 'audience');
  await anchor.expectNoEvent('custom-message', 300);
  await aud2.expectNoEvent('custom-message', 0);
});

test('rate: 40 messages at once → the first 30 pass, the excess gets RATE_LIMITED', T, async () => {
  const [alice, bob] = await room(['alice', 'bob']);
  const resps = await burst(alice, Array.from({ length: 40 }, (_, i) => ({ cmdId: 1, data: b64(`r${i}`) })));
  resps.slice(0, 30).forEach((r, i) => assertOk(r, `message ${i + 1} of the burst`));
  const limited = resps.filter((r) => !r.ok);
  assert.ok(limited.length >= 1, 'some of the 40 must be rate limited');
  for (const r of limited) assertError(r, ERR.RATE_LIMITED, 'excess message');
  const passed = resps.filter((r) => r.ok);
  assert.deepEqual(passed.map((r) => r.data.seq), passed.map((_, i) => i + 1), 'seq counts delivered messages only');

  // Exactly the accepted ones are delivered, in order.
  for (const [i, r] of passed.entries()) {
    const e = await bob.nextEvent('custom-message');
    assert.equal(e.data.seq, r.data.seq, `delivery #${i}`);
  }
  await bob.expectNoEvent('custom-message', 300);
});

test('bytes: 8 KB/s with 1000-byte messages → the 9th in the same second is RATE_LIMITED', T, async () => {
  const [alice, bob] = await room(['alice', 'bob']);
  const resps = await burst(alice, Array.from({ length: 9 }, () => ({ cmdId: 1, data: bytes(1000) })));
  resps.slice(0, 8).forEach((r, i) => assertOk(r, `1000-byte message ${i + 1}`));
  assertError(resps[8], ERR.RATE_LIMITED, '9th 1000-byte message');
  for (let i = 0; i < 8; i++) await bob.nextEvent('custom-message');
  // The byte bucket refills: after a second another 1000-byte message passes.
  await new Promise((r) => setTimeout(r, 1100));
  assertOk(await alice.request('sendCustomMessage', { cmdId: 1, data: bytes(1000) }), 'after refill');
});

test('limits are per sender: another sender is unaffected by a throttled one', T, async () => {
  const [alice, bob] = await room(['alice', 'bob']);
  await burst(alice, Array.from({ length: 35 }, () => ({ cmdId: 1, data: b64('x') })));
  const resps = await burst(bob, Array.from({ length: 10 }, () => ({ cmdId: 1, data: b64('y') })));
  resps.forEach((r, i) => assertOk(r, `bob #${i + 1}`));
});

test('sendCustomMessage outside a room is INVALID_STATE', T, async () => {
  const c = await connectClient(server, 'lonely');
  assertError(await c.request('sendCustomMessage', { cmdId: 1, data: b64('x') }), ERR.INVALID_STATE, 'not entered');
  await c.enterOk(app, 'lonely', { roomId: newRoomId() });
  await c.ok('sendCustomMessage', { cmdId: 1, data: b64('x') }); // alone in the room is fine
  await c.ok('exitRoom');
  assertError(await c.request('sendCustomMessage', { cmdId: 1, data: b64('x') }), ERR.INVALID_STATE, 'after exit');
});
