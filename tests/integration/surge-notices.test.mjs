// Surge advance notices in the store (R23): `atrium sla notice add/list/remove`, and the SLA
// report (CLI and the DescribeSlaReport action through the official SDK's CommonClient) reading
// them. The SLA arithmetic itself is unit-tested in src/telemetry.
//
//   cd tests && node --test integration/surge-notices.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createApp, createApiKey, runCli } from './lib/harness.mjs';
import { apiClientWithVersion, API_VERSION } from './lib/trtc-api.mjs';

let server;
let app;
before(async () => {
  server = await startServer();
  app = await createApp(server);
});
after(() => server?.stop());

const id = () => String(app.sdkAppId);

test('notices are added (with an in-time verdict), listed and removed', { timeout: 20000 }, async () => {
  // Thursday 10 January 2030; told on Monday (3 business days ahead) and on Tuesday (2).
  const timely = await runCli(server, ['sla', 'notice', 'add', '--app', id(), '--from', '2030-01-10T10:00Z',
    '--to', '2030-01-10T14:00Z', '--given', '2030-01-07T09:00Z', '--note', 'concurrency']);
  assert.match(timely, /^notice \d+ added for app \d+: 2030-01-10T10:00:00Z \.\. 2030-01-10T14:00:00Z \(given in time/);
  const late = await runCli(server, ['sla', 'notice', 'add', '--app', id(), '--from', '2030-01-10T18:00Z',
    '--to', '2030-01-10T20:00Z', '--given', '2030-01-08T09:00Z']);
  assert.match(late, /less than 3 business days ahead/);
  const lateId = late.match(/^notice (\d+)/)[1];

  let list = await runCli(server, ['sla', 'notice', 'list', '--app', id()]);
  let rows = list.trim().split('\n').slice(1);
  assert.equal(rows.length, 2, list);
  assert.match(rows[0], /2030-01-10T10:00:00Z\s+2030-01-10T14:00:00Z\s+2030-01-07T09:00:00Z\s+yes\s+concurrency/);
  assert.match(rows[1], /\s+no\s*$/);

  await runCli(server, ['sla', 'notice', 'remove', '--app', id(), '--id', lateId]);
  list = await runCli(server, ['sla', 'notice', 'list', '--app', id()]);
  rows = list.trim().split('\n').slice(1);
  assert.equal(rows.length, 1, list);
  // Another app's id does not find it; a bad window is refused; so is an unknown app.
  await assert.rejects(runCli(server, ['sla', 'notice', 'remove', '--app', id(), '--id', lateId]), /RECORD_NOT_FOUND/);
  await assert.rejects(runCli(server, ['sla', 'notice', 'add', '--app', id(), '--from', '2030-01-10T10:00Z',
    '--to', '2030-01-10T09:00Z']), /INVALID_ARGUMENT/);
  await assert.rejects(runCli(server, ['sla', 'notice', 'add', '--app', '1499999997', '--from', '2030-01-10T10:00Z',
    '--to', '2030-01-10T11:00Z']), /no app/);
});

test('atrium sla report and DescribeSlaReport run with the stored notices', { timeout: 20000 }, async () => {
  const report = JSON.parse(await runCli(server, ['sla', 'report', '--app', id(), '--month', '2030-01', '--format', 'json']));
  assert.equal(typeof report, 'object');
  const key = await createApiKey(server, app);
  const api = apiClientWithVersion(server, key, API_VERSION);
  const r = await api.request('DescribeSlaReport', { SdkAppId: app.sdkAppId, Month: '2030-01' });
  assert.equal(r.Month, '2030-01');
  assert.equal(r.DowntimeMinutes, 0);
});
