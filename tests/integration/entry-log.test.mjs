// Every enterRoom lands in the entry event log with its outcome and cause class (protocol.md
// Errors; R20 counts entries, R11 masks the user). Read with `atrium entries --app ID --json`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  startServer, createApp, runCli, connectClient, newRoomId, userSig, sleep, ERR, ERR_NAME,
} from './lib/harness.mjs';

const { Api } = createRequire(import.meta.url)('tls-sig-api-v2');
let server;
let app;
let other;

before(async () => {
  server = await startServer();
  [app, other] = await Promise.all([createApp(server), createApp(server)]);
});
after(() => server?.stop());

const entries = async (theApp) => JSON.parse(await runCli(server, ['entries', '--app', String(theApp.sdkAppId), '--json']));

// Polls the entry log of theApp until `count` records exist (the log may be written asynchronously).
async function entriesUntil(theApp, count, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await entries(theApp);
    assert.ok(Array.isArray(list), 'entries --json prints a JSON array');
    if (list.length >= count || Date.now() > deadline) return list;
    await sleep(250);
  }
}

// base::maskUserId: at most 40 % of the id, at most two characters at each end (issue 15).
const masked = (u) => {
  const keep = u.length <= 4 ? 0 : u.length <= 9 ? 1 : 2;
  return keep ? `${u.slice(0, keep)}****${u.slice(-keep)}` : '****';
};

test('successful and failed entries are listed with outcome, cause and errorCode', { timeout: 60000 }, async () => {
  const t0 = Date.now();
  const roomId = newRoomId();
  const plan = [
    { user: 'logged_ok_one', opts: {}, code: 0 },
    { user: 'logged_ok_two', opts: {}, code: 0 },
    { user: 'logged_badsig1', opts: { userSig: new Api(app.sdkAppId, other.secretKey).genSig('logged_badsig1', 600) }, code: ERR.USERSIG_BAD_SIGNATURE },
    { user: 'logged_wronguser', opts: { userSig: userSig(app, 'somebody_else') }, code: ERR.USERSIG_WRONG_USER },
    { user: 'logged_empty', opts: { userSig: '' }, code: ERR.USERSIG_EMPTY },
    { user: 'logged_garbage', opts: { userSig: 'garbage' }, code: ERR.USERSIG_MALFORMED },
    { user: 'logged_live', opts: { scene: 'live' }, code: ERR.SCENE_MISMATCH },
  ];
  for (const p of plan) {
    const c = await connectClient(server, p.user);
    const r = await c.enter(app, p.user, { roomId, ...p.opts });
    if (p.code === 0) assert.equal(r.ok, true, JSON.stringify(r));
    else assert.equal(r.error?.code, p.code, JSON.stringify(r));
  }
  // One entry in the other app: must not be listed for `app`.
  const o = await connectClient(server, 'other');
  await o.enterOk(other, 'logged_other_app', { roomId });

  const list = await entriesUntil(app, plan.length);
  const t1 = Date.now();
  assert.equal(list.length, plan.length, `entries for app ${app.sdkAppId}: ${JSON.stringify(list, null, 1)}`);

  const byUser = new Map(list.map((e) => [e.user, e]));
  for (const p of plan) {
    const e = byUser.get(masked(p.user));
    assert.ok(e, `no entry with masked user ${masked(p.user)}: ${JSON.stringify(list)}`);
    assert.equal(e.sdkAppId, app.sdkAppId);
    assert.ok(e.timeMs >= t0 - 2000 && e.timeMs <= t1 + 2000, `timeMs ${e.timeMs} outside the test window`);
    assert.ok(String(e.room).includes(String(roomId)), `room ${e.room} should name ${roomId}`);
    assert.equal(typeof e.ip, 'string');
    assert.notEqual(e.ip, '127.0.0.1', 'the client IP is masked');
    if (p.code === 0) {
      assert.equal(e.success, true, JSON.stringify(e));
      assert.ok(!e.errorCode, `errorCode of a success: ${e.errorCode}`);
    } else {
      assert.equal(e.success, false, JSON.stringify(e));
      // errorCode is the protocol error, as its name ("USERSIG_BAD_SIGNATURE") or its number.
      assert.ok([p.code, ERR_NAME[p.code]].includes(e.errorCode), JSON.stringify(e));
      assert.equal(e.cause, 'client', `a ${p.code} failure is the client's fault: ${JSON.stringify(e)}`);
    }
  }
  const raw = JSON.stringify(list);
  for (const p of plan) assert.ok(!raw.includes(p.user), `raw user id ${p.user} in the entries output`);

  // The other app's log has its own entry only.
  const otherList = await entriesUntil(other, 1);
  assert.equal(otherList.length, 1);
  assert.equal(otherList[0].user, masked('logged_other_app'));
  assert.equal(otherList[0].success, true);
});
