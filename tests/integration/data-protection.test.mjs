// Data protection end to end (R11, R13, R15) on both store engines: a region's app keeps its data
// in the region's database; a data-subject erasure through the EraseUserData action (official
// tencentcloud-sdk-nodejs CommonClient) and through `atrium erase` leaves the other users' data;
// `atrium app delete` + `atrium app purge` and atriumd's own purge job leave no row of the app.
//
// SQLite always; PostgreSQL when ATRIUM_TEST_PG_DSN is set (scripts/with-postgres sets it), each
// server in fresh schemas. Rows are counted behind the server's back, read-only: sqlite3 -readonly
// for SQLite files, psql for PostgreSQL.
//
//   cd tests && node --test integration/data-protection.test.mjs
//   scripts/with-postgres sh -c 'cd tests && node --test integration/data-protection.test.mjs'
import { describe, test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, createApp, createApiKey, connectClient, closeAllClients, newRoomId, runCli, auditList, sleep,
} from './lib/harness.mjs';
import { apiClient, apiClientWithVersion, API_VERSION, sdkError, assertApiCode } from './lib/trtc-api.mjs';

const PG_DSN = process.env.ATRIUM_TEST_PG_DSN;
const haveSqlite3 = (() => { try { execFileSync('sqlite3', ['-version']); return true; } catch { return false; } })();

// Every table that holds rows of an app (docs/data-inventory.md); audit_log and erasure_log are
// the operator's records and outlive a purge on purpose.
const APP_TABLES = ['quality_samples', 'user_events', 'user_sessions', 'rooms', 'entry_events', 'callback_queue',
  'callback_failures', 'surge_notices', 'api_key_apps', 'apps'];

// A database for one test server: the setting value naming it and a read-only row counter.
function sqliteDb(dir, file) {
  const p = path.join(dir, file);
  return {
    setting: `sqlite:${p}`,
    count(sql) {
      if (!fs.existsSync(p)) return 0;
      return Number(execFileSync('sqlite3', ['-readonly', p, sql], { encoding: 'utf8' }).trim());
    },
  };
}

function pgDb() {
  const schema = `atrium_it_${crypto.randomBytes(4).toString('hex')}`;
  execFileSync('psql', [PG_DSN, '-v', 'ON_ERROR_STOP=1', '-qc', `CREATE SCHEMA ${schema}`]);
  const dsn = `${PG_DSN} options='-csearch_path=${schema}'`;
  return {
    setting: dsn,
    count: (sql) => Number(execFileSync('psql', [dsn, '-v', 'ON_ERROR_STOP=1', '-tAc', sql], { encoding: 'utf8' }).trim()),
    drop: () => execFileSync('psql', [PG_DSN, '-qc', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], { stdio: 'pipe' }),
  };
}

// The store.* flags and databases of one server: the default store and region "eu".
function storeLayout(engine) {
  if (engine === 'postgres') {
    const main = pgDb();
    const eu = pgDb();
    return {
      flags: { 'store.engine': 'postgres', 'store.dsn': main.setting, 'store.regions': `eu=${eu.setting}` },
      main, eu, cleanup: () => { main.drop(); eu.drop(); },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-region-'));
  const eu = sqliteDb(dir, 'eu.db');
  return {
    flags: { 'store.regions': `eu=${eu.setting}` },
    eu, bindMain: (server) => sqliteDb(server.dir, 'atrium.db'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const rowsOf = (db, table, appId) => db.count(`SELECT count(*) FROM ${table} WHERE sdk_app_id = ${appId}`);
const nowSec = () => Math.floor(Date.now() / 1000);

async function poll(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// users enter one room of app, each reports quality (own upstream and one stream per other user),
// then all leave. Returns {roomId, commId, win} once the reports are stored.
async function callWithQuality(server, api, app, users) {
  const roomId = newRoomId();
  const t0 = nowSec();
  const clients = [];
  for (const u of users) {
    const c = await connectClient(server, u);
    await c.enterOk(app, u, { roomId });
    clients.push(c);
  }
  for (const [i, c] of clients.entries()) {
    const down = users.filter((u) => u !== users[i]).map((u) => ({ userId: u, metrics: { aBit: 32000, aLoss: 1 } }));
    const r = await c.request('quality', { up: { rtt: 20 + i, aBit: 32000 }, down });
    assert.equal(r.ok, true, `quality report: ${JSON.stringify(r)}`);
  }
  const win = () => ({ StartTime: t0 - 60, EndTime: nowSec() + 60 });
  const rooms = await poll('DescribeRoomInfo', async () => {
    const r = await api.DescribeRoomInfo({ SdkAppId: app.sdkAppId, ...win(), RoomId: String(roomId) });
    return r.RoomList.length === 1 ? r : null;
  });
  const commId = rooms.RoomList[0].CommId;
  // The quality writer flushes about once a second.
  await poll('quality rows of every user', async () => {
    const d = await api.DescribeCallDetailInfo({ SdkAppId: app.sdkAppId, CommId: commId, ...win(), UserIds: users, DataType: ['all'] });
    return users.every((u) => d.Data.some((s) => s.UserId === u)) ? d : null;
  });
  for (const c of clients) await c.ok('exitRoom');
  // Erasure must come after the exit events are written, or they would outlive it.
  await poll('every session closed', async () => {
    const u = await api.DescribeUserInfo({ SdkAppId: app.sdkAppId, CommId: commId, ...win() });
    return u.UserList.length === users.length && u.UserList.every((x) => x.Finished);
  });
  return { roomId, commId, win };
}

for (const engine of ['sqlite', 'postgres']) {
  const skip = engine === 'postgres' && !PG_DSN ? 'ATRIUM_TEST_PG_DSN is not set (run under scripts/with-postgres)'
    : engine === 'sqlite' && !haveSqlite3 ? 'the sqlite3 command-line tool is not installed' : false;

  describe(`data protection (${engine})`, { skip }, () => {
    let layout;
    let server;
    let main;

    before(async () => {
      layout = storeLayout(engine);
      // The daemon's purge job stays off here (it has its own test below), so app purges are the CLI's.
      server = await startServer({ ...layout.flags, 'retention.purge_interval_s': 0,
        'api.requests_per_second': 1000, 'api.burst': 1000 });
      main = layout.main ?? layout.bindMain(server);
    });
    after(async () => {
      await server?.stop();
      layout?.cleanup();
    });
    afterEach(() => closeAllClients());

    test('an app of region eu keeps its room data in eu\'s database; apps and keys stay in the default one (R15)', { timeout: 60000 }, async () => {
      const app = JSON.parse(await runCli(server, ['app', 'create', '--name', 'eu app', '--region', 'eu', '--json']));
      const key = await createApiKey(server, app);
      const api = apiClient(server, key);
      const { commId, win } = await callWithQuality(server, api, app, ['alice', 'bob']);
      const users = await api.DescribeUserInfo({ SdkAppId: app.sdkAppId, CommId: commId, ...win() });
      assert.deepEqual(users.UserList.map((u) => u.UserId).sort(), ['alice', 'bob']);
      for (const table of ['rooms', 'user_sessions', 'user_events', 'quality_samples', 'entry_events']) {
        assert.ok(rowsOf(layout.eu, table, app.sdkAppId) > 0, `${table} rows in eu`);
        assert.equal(rowsOf(main, table, app.sdkAppId), 0, `${table} rows in the default store`);
      }
      assert.equal(rowsOf(main, 'apps', app.sdkAppId), 1);
      assert.equal(rowsOf(main, 'api_key_apps', app.sdkAppId), 1);
      assert.equal(rowsOf(layout.eu, 'apps', app.sdkAppId), 0);
    });

    test('EraseUserData (official SDK CommonClient) erases one user; the others stay; it is audited and scoped', { timeout: 60000 }, async () => {
      const [app, other] = [await createApp(server), await createApp(server)];
      const key = await createApiKey(server, app);
      const api = apiClient(server, key);
      const common = apiClientWithVersion(server, key, API_VERSION);
      const { roomId, commId, win } = await callWithQuality(server, api, app, ['alice', 'bob', 'carol']);

      const r = await common.request('EraseUserData', { SdkAppId: app.sdkAppId, UserId: 'alice' });
      assert.ok(r.RowsRemoved > 0, JSON.stringify(r));
      const byTable = Object.fromEntries(r.RowsByTable.map((t) => [t.Table, t.Rows]));
      assert.equal(byTable.user_sessions, 1);
      assert.equal(byTable.user_events, 2, 'enter and exit');
      // Her own report (upstream and one row per stream she received) and each peer's row about her.
      assert.ok(byTable.quality_samples >= 5, `quality_samples ${byTable.quality_samples}`);
      assert.equal(r.RowsByTable.reduce((n, t) => n + t.Rows, 0), r.RowsRemoved);

      const users = await api.DescribeUserInfo({ SdkAppId: app.sdkAppId, CommId: commId, ...win() });
      assert.deepEqual(users.UserList.map((u) => u.UserId).sort(), ['bob', 'carol']);
      const events = (u) => api.DescribeUserEvent({ SdkAppId: app.sdkAppId, CommId: commId, ...win(), UserId: u, RoomId: String(roomId) });
      assert.deepEqual((await events('alice')).Data[0].Content, []);
      assert.equal((await events('bob')).Data[0].Content.length, 2);
      const detail = await api.DescribeCallDetailInfo({ SdkAppId: app.sdkAppId, CommId: commId, ...win(),
        UserIds: ['alice', 'bob', 'carol'], DataType: ['all'] });
      assert.ok(!detail.Data.some((s) => s.UserId === 'alice' || s.PeerId === 'alice'), 'no series of or about alice');
      assert.ok(detail.Data.some((s) => s.UserId === 'bob' && s.PeerId === 'carol'), 'bob\'s view of carol stays');
      assert.ok(!detail.UserList.some((u) => u.UserId === 'alice'));

      // The key's scope decides, as for every action; and the request is audited.
      assertApiCode(await sdkError(common.request('EraseUserData', { SdkAppId: other.sdkAppId, UserId: 'bob' })),
        'UnauthorizedOperation.SdkAppId');
      assertApiCode(await sdkError(common.request('EraseUserData', { SdkAppId: app.sdkAppId, UserId: 'no spaces' })),
        'InvalidParameter.UserId');
      const audit = await auditList(server, { app });
      assert.ok(audit.some((a) => a.action === 'EraseUserData' && (a.resultCode === '' || a.resultCode === 'Ok')),
        JSON.stringify(audit.slice(0, 3)));
    });

    test('atrium erase erases one user and says so without printing the id', { timeout: 60000 }, async () => {
      const app = await createApp(server);
      const key = await createApiKey(server, app);
      const api = apiClient(server, key);
      const { commId, win } = await callWithQuality(server, api, app, ['dora_the_user', 'erin']);
      const out = await runCli(server, ['erase', '--app', String(app.sdkAppId), '--user', 'dora_the_user',
        '--requested-by', 'ticket-42']);
      assert.match(out, /^user_sessions\s+1$/m);
      assert.match(out, /erased \d+ rows of user do\S*er in app/);
      assert.ok(!out.includes('dora_the_user'), out);
      const users = await api.DescribeUserInfo({ SdkAppId: app.sdkAppId, CommId: commId, ...win() });
      assert.deepEqual(users.UserList.map((u) => u.UserId), ['erin']);
      await assert.rejects(runCli(server, ['erase', '--app', '1499999998', '--user', 'x']), /no app/);
    });

    test('atrium app delete tells the purge timeline; atrium app purge leaves no row of the app', { timeout: 60000 }, async () => {
      const app = await createApp(server);
      const key = await createApiKey(server, app);
      const api = apiClient(server, key);
      await callWithQuality(server, api, app, ['fay', 'gus']);
      await runCli(server, ['sla', 'notice', 'add', '--app', String(app.sdkAppId), '--from', '2030-01-10T00:00Z',
        '--to', '2030-01-11T00:00Z', '--note', 'concurrency']);
      assert.ok(rowsOf(main, 'entry_events', app.sdkAppId) > 0, 'the app has data before the purge');
      await assert.rejects(runCli(server, ['app', 'purge', String(app.sdkAppId)]), /not deleted/);
      const deleted = await runCli(server, ['app', 'delete', String(app.sdkAppId)]);
      assert.match(deleted, /within 7 days/);
      assert.match(deleted, /atrium app purge/);
      const purged = await runCli(server, ['app', 'purge', String(app.sdkAppId)]);
      assert.match(purged, /purged: \d+ rows/);
      for (const table of APP_TABLES) {
        assert.equal(rowsOf(main, table, app.sdkAppId), 0, `${table} rows left`);
        assert.equal(rowsOf(layout.eu, table, app.sdkAppId), 0, `${table} rows left in eu`);
      }
      await assert.rejects(runCli(server, ['app', 'show', String(app.sdkAppId)]), /no app|not found/i);
    });

    test('atrium purge runs the retention job once: a deleted app (grace 0) goes from both databases', { timeout: 60000 }, async () => {
      const app = JSON.parse(await runCli(server, ['app', 'create', '--name', 'eu app 3', '--region', 'eu', '--json']));
      const c = await connectClient(server, 'jo_user');
      await c.enterOk(app, 'jo_user', { roomId: newRoomId() });
      await c.ok('exitRoom');
      await poll('the entry row', () => rowsOf(layout.eu, 'entry_events', app.sdkAppId) > 0);
      await runCli(server, ['app', 'delete', String(app.sdkAppId)]);
      const out = await runCli(server, ['purge']);
      assert.match(out, /^apps\s+[1-9]\d*$/m);
      assert.match(out, /purged \d+ rows/);
      for (const table of APP_TABLES) {
        assert.equal(rowsOf(main, table, app.sdkAppId), 0, `${table} rows left`);
        assert.equal(rowsOf(layout.eu, table, app.sdkAppId), 0, `${table} rows left in eu`);
      }
    });

    test('an eu app\'s purge empties eu\'s database too', { timeout: 60000 }, async () => {
      const app = JSON.parse(await runCli(server, ['app', 'create', '--name', 'eu app 2', '--region', 'eu', '--json']));
      const api = apiClient(server, await createApiKey(server, app));
      await callWithQuality(server, api, app, ['hal']);
      assert.ok(rowsOf(layout.eu, 'quality_samples', app.sdkAppId) > 0);
      await runCli(server, ['app', 'delete', String(app.sdkAppId)]);
      await runCli(server, ['app', 'purge', String(app.sdkAppId)]);
      for (const table of APP_TABLES) {
        assert.equal(rowsOf(main, table, app.sdkAppId), 0, `${table} rows left`);
        assert.equal(rowsOf(layout.eu, table, app.sdkAppId), 0, `${table} rows left in eu`);
      }
    });
  });

  describe(`atriumd's purge job (${engine})`, { skip }, () => {
    test('removes a deleted app within one interval', { timeout: 60000 }, async () => {
      const layout = storeLayout(engine);
      const server = await startServer({ ...layout.flags, 'retention.purge_interval_s': 1 });
      try {
        const main = layout.main ?? layout.bindMain(server);
        const app = await createApp(server);
        const c = await connectClient(server, 'ivy');
        await c.enterOk(app, 'ivy', { roomId: newRoomId() });
        await c.ok('exitRoom');
        await poll('the entry row', () => rowsOf(main, 'entry_events', app.sdkAppId) > 0);
        await runCli(server, ['app', 'delete', String(app.sdkAppId)]);
        await poll('the purge job', () => rowsOf(main, 'apps', app.sdkAppId) === 0, 20000);
        for (const table of APP_TABLES) assert.equal(rowsOf(main, table, app.sdkAppId), 0, `${table} rows left`);
        const log = fs.readFileSync(server.logPath, 'utf8');
        assert.match(log, /purge: removed \d+ rows: .*apps=1/);
        assert.ok(!log.includes('ivy'), 'the purge log names tables and counts, never users');
      } finally {
        await closeAllClients();
        await server.stop();
        layout.cleanup();
      }
    });
  });
}
