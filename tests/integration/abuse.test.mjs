// Flood protection on the signaling listener (protocol.md "Limits and abuse handling"; R18).
// Each test runs its own atriumd with the one limit under test set low.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, createApp, connectClient, Client, closeAllClients, newRoomId, assertError, assertOk, sleep, ERR,
} from './lib/harness.mjs';

const T = { timeout: 40000 };
afterEach(() => closeAllClients());

// Runs fn(server, app) against a server started with `flags`, then checks that a fresh client
// can still enter, and stops the server.
async function withServer(flags, fn) {
  const server = await startServer(flags);
  try {
    const app = await createApp(server);
    await fn(server, app);
    assert.ok(server.isRunning(), 'atriumd still running');
    await closeAllClients();
    await sleep(300);
    const c = await connectClient(server, 'afterwards');
    await c.enterOk(app, 'afterwards', { roomId: newRoomId() });
  } finally {
    await server.stop();
  }
}

test('per-connection message rate: excess requests get RATE_LIMITED and are not executed', T, () =>
  withServer({ 'signal.messages_per_second': 10, 'signal.message_burst': 10 }, async (server, app) => {
    const roomId = newRoomId();
    const [alice, bob] = await Promise.all([connectClient(server, 'alice'), connectClient(server, 'bob')]);
    await alice.enterOk(app, 'alice', { roomId });
    await bob.enterOk(app, 'bob', { roomId });
    await alice.nextEvent('remote-user-enter');
    await sleep(1100); // refill after the enter

    const resps = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      bob.request('sendCustomMessage', { cmdId: 1, data: Buffer.from(`m${i}`).toString('base64') })));
    resps.slice(0, 9).forEach((r, i) => assertOk(r, `message ${i + 1} within the burst`));
    const limited = resps.filter((r) => !r.ok);
    assert.ok(limited.length >= 10, `expected ≥ 10 of 30 limited at burst 10, got ${limited.length}`);
    for (const r of limited) assertError(r, ERR.RATE_LIMITED, 'excess request');

    // Only the accepted messages were executed (delivered).
    const accepted = resps.filter((r) => r.ok).length;
    for (let i = 0; i < accepted; i++) await alice.nextEvent('custom-message');
    await alice.expectNoEvent('custom-message', 300);
    // The connection recovers.
    await sleep(1100);
    await bob.ok('heartbeat');
  }));

test('auth timeout: a connection not in a room is closed with 4001 "authentication timeout"', T, () =>
  withServer({ 'signal.auth_timeout_ms': 1500 }, async (server, app) => {
    const t0 = Date.now();
    const idle = await connectClient(server, 'idle');
    const member = await connectClient(server, 'member');
    await member.enterOk(app, 'member', { roomId: newRoomId() });
    const leaver = await connectClient(server, 'leaver');
    await leaver.enterOk(app, 'leaver', { roomId: newRoomId() });

    const closed = await idle.waitClose(6000);
    assert.equal(closed.code, 4001);
    assert.equal(closed.reason, 'authentication timeout');
    assert.ok(Date.now() - t0 >= 1200, `closed after ${Date.now() - t0} ms`);

    // A connection that exited is closed after the timeout too; one in a room is not.
    const t1 = Date.now();
    await leaver.ok('exitRoom');
    assert.equal((await leaver.waitClose(6000)).code, 4001);
    assert.ok(Date.now() - t1 >= 1200, 'timeout counts from the exit');
    assert.equal(member.closed, null, 'a connection in a room is not subject to the auth timeout');
    await member.ok('heartbeat');
  }));

test('per-IP connection cap: further upgrades are refused with HTTP 429', T, () =>
  withServer({ 'signal.max_connections_per_ip': 4 }, async (server) => {
    const conns = [];
    for (let i = 0; i < 4; i++) conns.push(await connectClient(server, `c${i}`));
    for (let i = 0; i < 2; i++) {
      const extra = new Client(server, `extra${i}`);
      await assert.rejects(extra.connect(), (err) => {
        assert.equal(err.statusCode, 429, `expected HTTP 429, got ${err.message}`);
        return true;
      });
    }
    // The existing connections are unaffected, and a slot frees up when one closes.
    for (const c of conns) await c.ok('heartbeat');
    await conns[0].close();
    let again;
    for (let i = 0; i < 20 && !again; i++) {
      await sleep(100);
      again = await connectClient(server, 'again').catch(() => undefined);
    }
    assert.ok(again, 'a slot is released when a connection closes');
    await again.ok('heartbeat');
  }));

test('entry attempts per IP: excess enterRoom and resume get RATE_LIMITED', T, () =>
  withServer({ 'signal.entries_per_ip_per_second': 2, 'signal.entry_burst_per_ip': 4 }, async (server, app) => {
    const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => connectClient(server, `e${i}`)));
    const resps = await Promise.all(clients.map((c, i) => c.enter(app, `entrant${i}`, { roomId: newRoomId() })));
    const ok = resps.filter((r) => r.ok).length;
    assert.ok(ok >= 4 && ok <= 5, `burst 4: expected 4-5 entries to pass, got ${ok}`);
    for (const r of resps.filter((x) => !x.ok)) assertError(r, ERR.RATE_LIMITED, 'excess entry');

    // Failed entries count too, and resume is an entry attempt.
    const extra = await connectClient(server, 'resumer');
    const bogus = { sessionId: 'nope', resumeToken: 'nope' };
    const r = await extra.resume(bogus);
    assertError(r, ERR.RATE_LIMITED, 'resume while the bucket is empty');

    // After a refill, entries pass again (the tokens are per IP, not per connection).
    await sleep(1200);
    assertOk(await extra.enter(app, 'patient', { roomId: newRoomId() }), 'entry after refill');
  }));
