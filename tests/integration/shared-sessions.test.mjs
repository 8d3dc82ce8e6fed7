// Sessions that outlive the process (issue 10, part 2): with cluster.redis set, a client whose
// server was killed (or stopped for an upgrade) resumes its session on the restarted server —
// same session id, the room forms again as its members come back, events flow on, and the reply
// says that events and media connections were lost. Real redis-server on loopback.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, freePort, createApp, connectClient, closeAllClients, newRoomId, assertError, assertOk, sleep, ERR,
} from './lib/harness.mjs';
import { startRedis, redisSkipReason, waitForSharedSessions, redisCall } from './lib/redis.mjs';
import { scrape, metricSum } from './lib/metrics.mjs';

const skip = redisSkipReason();
const T = { timeout: 60000 };
const b64 = (s) => Buffer.from(s).toString('base64');

describe('shared sessions in Redis', { skip }, () => {
  let redis;
  let server;
  before(async () => { redis = await startRedis(); });
  after(async () => { await server?.stop(); await redis?.stop(); });
  afterEach(async () => {
    closeAllClients();
    await server?.stop();
    server = null;
    // The next test starts with no shared sessions (a crash leaves its sessions to expire).
    await redisCall(redis.port, 'FLUSHALL');
  });

  const start = async (dir) => startServer({ 'cluster.redis': redis.url, 'signal.session_grace_ms': 20000,
    'metrics.port': await freePort() }, { dir });
  const kill9 = async (srv) => { srv.child.kill('SIGKILL'); await new Promise((r) => srv.child.once('exit', r)); };
  // alice alone in a new room, her session saved in Redis.
  const aliceInRoom = async () => {
    const app = await createApp(server);
    const alice = await connectClient(server, 'alice');
    await alice.enterOk(app, 'alice', { roomId: newRoomId() });
    await waitForSharedSessions(redis, 1);
    return { app, alice, session: alice.session };
  };
  const metric = async (name, labels = {}) => metricSum((await scrape(server.metricsPort)).samples, name, labels);

  for (const [how, stop] of [
    ['kill -9', (srv) => kill9(srv)],
    ['SIGTERM (an upgrade)', (srv) => srv.stop({ keep: true })],
  ]) {
    test(`${how}, restart: both users resume their sessions and the room goes on`, T, async () => {
      server = await start();
      const app = await createApp(server);
      const roomId = newRoomId();
      const alice = await connectClient(server, 'alice');
      const aliceIn = await alice.enterOk(app, 'alice', { roomId });
      const bob = await connectClient(server, 'bob');
      const bobIn = await bob.enterOk(app, 'bob', { roomId, scene: 'rtc' });
      assert.equal((await alice.nextEvent('remote-user-enter')).seq, 1);
      const aliceSession = alice.session;
      const bobSession = bob.session;
      await waitForSharedSessions(redis, 2);

      await stop(server);
      server = await start(server.dir);

      const alice2 = await connectClient(server, 'alice#2');
      const r = assertOk(await alice2.resume(aliceSession, 1), 'alice resumes on the restarted server');
      assert.equal(r.sessionId, aliceIn.sessionId);
      assert.equal(r.roomId, roomId);
      assert.equal(r.eventsLost, true);
      assert.equal(r.mediaLost, true, 'the new process holds none of her media connections');
      assert.deepEqual(r.users, [], 'bob has not come back yet');

      const bob2 = await connectClient(server, 'bob#2');
      const rb = assertOk(await bob2.resume(bobSession, 0), 'bob resumes');
      assert.equal(rb.sessionId, bobIn.sessionId);
      assert.deepEqual(rb.users.map((u) => u.userId), ['alice']);
      const back = await alice2.nextEvent('remote-user-enter');
      assert.equal(back.data.userId, 'bob');
      assert.equal(back.seq, 2, 'her event numbers go on after the last she saw');

      await bob2.ok('sendCustomMessage', { cmdId: 3, data: b64('still here') });
      const msg = await alice2.nextEvent('custom-message');
      assert.equal(Buffer.from(msg.data.data, 'base64').toString(), 'still here');

      // A resumed session is an ordinary one on its new process: a network blip resumes it here.
      alice2.terminate();
      await alice2.waitClose(2000);
      await sleep(100);
      const alice3 = await connectClient(server, 'alice#3');
      const again = assertOk(await alice3.resume(alice2.session, back.seq), 'resume on the new process');
      assert.equal(again.mediaLost ?? false, false);

      assert.equal(await metric('atrium_session_takeovers_total', { result: 'resumed' }), 2);
      assert.equal(await metric('atrium_redis_up'), 1);
    });
  }

  test('after a restart a wrong resume token is refused and an unknown session is not found', T, async () => {
    server = await start();
    const { session } = await aliceInRoom();
    await kill9(server);
    server = await start(server.dir);
    const c = await connectClient(server, 'mallory');
    assertError(await c.resume({ sessionId: session.sessionId, resumeToken: 'a'.repeat(64) }), ERR.RESUME_DENIED);
    assertError(await c.resume({ sessionId: 'f'.repeat(32), resumeToken: 'a'.repeat(64) }), ERR.SESSION_NOT_FOUND);
    assert.equal(await metric('atrium_session_takeovers_total', { result: 'refused' }), 2);
  });

  test('a session that ends is gone from Redis: exitRoom, then a restart, then resume is not found', T, async () => {
    server = await start();
    const { alice, session } = await aliceInRoom();
    await alice.ok('exitRoom', {});
    await waitForSharedSessions(redis, 0);
    await server.stop({ keep: true });
    server = await start(server.dir);
    const c = await connectClient(server, 'alice#2');
    assertError(await c.resume(session), ERR.SESSION_NOT_FOUND);
  });

  test('Redis down: entries go on, failures are counted, and a resume after a restart is simply not found', T, async () => {
    server = await start();
    const app = await createApp(server);
    const port = redis.port;
    await redis.stop();
    try {
      const alice = await connectClient(server, 'alice');
      await alice.enterOk(app, 'alice', { roomId: newRoomId() });
      await sleep(300);
      assert.equal(await metric('atrium_redis_up'), 0);
      assert.ok(await metric('atrium_redis_commands_total', { result: 'failed' }) >= 1);
      const session = alice.session;
      await kill9(server);
      server = await start(server.dir);
      const c = await connectClient(server, 'alice#2');
      assertError(await c.resume(session), ERR.SESSION_NOT_FOUND);
    } finally {
      redis = await startRedis({ port });
    }
  });
});
