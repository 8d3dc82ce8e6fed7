// Interop: tickets from the official npm package (tls-sig-api-v2) against the atrium CLI, and the
// CLI's own tickets against the npm package's content.
//
//   cmake --build build --target atrium && cd tests && npm install && \
//     ATRIUM_CLI=../build/tools/atrium/atrium node --test interop/
//
// The verify commands run in batch mode (--stdin: one JSON job per line, one JSON answer per
// line), so 200 cases x several checks cost one process each.
import { test } from 'node:test';
import zlib from 'node:zlib';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2');

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = process.env.ATRIUM_CLI || path.resolve(here, '../../build/tools/atrium/atrium');
const skip = existsSync(cli) ? false : `atrium CLI not found at ${cli} (build it or set ATRIUM_CLI)`;

const CASES = 200;
const USER_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const ROOM_CHARS = USER_CHARS + ' !#$%&()+:;<=.>?@[]^{}|~,';

// Seeded so that a failure names a case that reproduces (mulberry32).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeCases(seed) {
  const r = rng(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const str = (chars, lo, hi) => Array.from({ length: int(lo, hi) }, () => chars[int(0, chars.length - 1)]).join('');
  return Array.from({ length: CASES }, (_, i) => ({
    i,
    sdkappid: int(1400000000, 1499999999),
    // Console keys are 64 hex chars; the key is used as a plain string, so try other shapes too.
    key: i % 3 === 0 ? str('0123456789abcdef', 64, 64) : str(USER_CHARS, 16, 48),
    userid: str(USER_CHARS, 1, 32),
    expire: int(1, 86400 * 400),
    time: int(1600000000, 1900000000),
    roomid: int(1, 4294967294),
    strroomid: str(ROOM_CHARS, 1, 64).replace(/^ +| +$/g, '') || 'r',
    privilege: int(1, 255),
  }));
}

// The npm package reads the clock itself; pin Date.now to the case's time while it runs.
function withTime(seconds, fn) {
  const realNow = Date.now;
  Date.now = () => seconds * 1000;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

function npmTickets(c) {
  const api = new TLSSigAPIv2.Api(c.sdkappid, c.key);
  return withTime(c.time, () => ({
    usersig: api.genSig(c.userid, c.expire),
    pmkNumeric: api.genPrivateMapKey(c.userid, c.expire, c.roomid, c.privilege),
    pmkString: api.genPrivateMapKeyWithStringRoomID(c.userid, c.expire, c.strroomid, c.privilege),
  }));
}

function runCli(args, input) {
  const env = { ...process.env };
  delete env.ATRIUM_APP_KEY;
  const res = spawnSync(cli, args, { input, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (res.error) throw res.error;
  return res;
}

function verifyBatch(command, jobs) {
  const res = runCli([command, '--stdin'], jobs.map((j) => JSON.stringify(j)).join('\n') + '\n');
  assert.equal(res.status, 0, res.stderr);
  const answers = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers.length, jobs.length);
  return answers;
}

// The same expectations for any generator: valid through time+expire, then the exact error.
function userSigJobs(c, token, tag) {
  const base = { sdkappid: c.sdkappid, key: c.key, userid: c.userid, usersig: token };
  const end = c.time + c.expire;
  return [
    { ...base, id: `${tag}#${c.i} at issue`, now: c.time, want: { ok: true, expires_at: end } },
    { ...base, id: `${tag}#${c.i} last second`, now: end, want: { ok: true, expires_at: end } },
    { ...base, id: `${tag}#${c.i} expired`, now: end + 1, want: { code: 'USERSIG_EXPIRED' } },
    { ...base, id: `${tag}#${c.i} skew`, now: end + 30, skew: 30, want: { ok: true } },
    { ...base, id: `${tag}#${c.i} user`, now: c.time, userid: c.userid + 'x', want: { code: 'USERSIG_WRONG_USER' } },
    { ...base, id: `${tag}#${c.i} app`, now: c.time, sdkappid: c.sdkappid + 1, want: { code: 'USERSIG_WRONG_APP' } },
    { ...base, id: `${tag}#${c.i} key`, now: c.time, key: c.key + 'x', want: { code: 'USERSIG_BAD_SIGNATURE' } },
  ];
}

function pmkJobs(c, token, room, tag) {
  const base = { sdkappid: c.sdkappid, key: c.key, userid: c.userid, token, ...room, privilege: c.privilege };
  const end = c.time + c.expire;
  const otherRoom = 'roomid' in room ? { roomid: (room.roomid % 4294967294) + 1 } : { strroomid: room.strroomid + 'x' };
  const missing = c.privilege === 255 ? null : (~c.privilege & 255) & -(~c.privilege & 255);  // lowest missing bit
  const jobs = [
    { ...base, id: `${tag}#${c.i} ok`, now: c.time, want: { ok: true, expires_at: end, privileges: c.privilege } },
    { ...base, id: `${tag}#${c.i} last second`, now: end, want: { ok: true } },
    { ...base, id: `${tag}#${c.i} expired`, now: end + 1, want: { code: 'PRIVMAPKEY_EXPIRED' } },
    { ...base, id: `${tag}#${c.i} room`, now: c.time, ...otherRoom, want: { code: 'PRIVMAPKEY_WRONG_ROOM' } },
    { ...base, id: `${tag}#${c.i} user`, now: c.time, userid: c.userid + 'x', want: { code: 'PRIVMAPKEY_WRONG_USER' } },
    { ...base, id: `${tag}#${c.i} app`, now: c.time, sdkappid: c.sdkappid + 1, want: { code: 'PRIVMAPKEY_WRONG_APP' } },
  ];
  if (missing) {
    jobs.push({ ...base, id: `${tag}#${c.i} privilege`, now: c.time, privilege: missing,
                want: { code: 'PRIVMAPKEY_NO_PRIVILEGE' } });
  }
  return jobs;
}

function checkAnswers(command, jobs) {
  const answers = verifyBatch(command, jobs.map(({ want, ...job }) => job));
  answers.forEach((got, k) => {
    const { want, id } = jobs[k];
    assert.equal(got.id, id);
    if (want.ok) {
      assert.equal(got.ok, true, `${id}: ${got.code} ${got.message}`);
      for (const [field, value] of Object.entries(want)) assert.equal(got[field], value, `${id}: ${field}`);
    } else {
      assert.equal(got.ok, false, `${id}: accepted`);
      assert.equal(got.code, want.code, `${id}: ${got.message}`);
    }
  });
}

const cases = makeCases(20240611);

test('npm UserSigs verify in atrium with the documented semantics', { skip }, () => {
  checkAnswers('verify-usersig', cases.flatMap((c) => userSigJobs(c, npmTickets(c).usersig, 'npm')));
});

test('npm PrivateMapKeys (numeric and string rooms) verify in atrium', { skip }, () => {
  const jobs = cases.flatMap((c) => {
    const t = npmTickets(c);
    return [...pmkJobs(c, t.pmkNumeric, { roomid: c.roomid }, 'npm-numeric'),
            ...pmkJobs(c, t.pmkString, { strroomid: c.strroomid }, 'npm-string')];
  });
  checkAnswers('verify-privatemapkey', jobs);
});

test('a PrivateMapKey is not a UserSig and vice versa', { skip }, () => {
  const c = cases[0];
  const t = npmTickets(c);
  const [asSig] = verifyBatch('verify-usersig', [{ sdkappid: c.sdkappid, key: c.key, userid: c.userid,
                                                   usersig: t.pmkNumeric, now: c.time }]);
  assert.equal(asSig.code, 'USERSIG_UNEXPECTED_USERBUF');
  const [asPmk] = verifyBatch('verify-privatemapkey', [{ sdkappid: c.sdkappid, key: c.key, userid: c.userid,
                                                         token: t.usersig, roomid: c.roomid, now: c.time }]);
  assert.equal(asPmk.code, 'PRIVMAPKEY_MALFORMED');
});

// Spawning per ticket is slow-ish, so the content comparison uses a subset of the cases.
const generated = cases.slice(0, 40);

function atriumTicket(args, c) {
  const res = runCli([...args, '--sdkappid', String(c.sdkappid), '--key', c.key, '--userid', c.userid,
                      '--expire', String(c.expire), '--time', String(c.time), '--zlib-level', '6']);
  assert.equal(res.status, 0, res.stderr);
  return res.stdout.trim();
}

// Official encoders differ in zlib build, level and key order (trtc-compat 1.3): tickets are
// compared by their decoded JSON document, which must be identical, signature included.
function ticketDocument(token) {
  const b64 = token.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  return JSON.parse(zlib.inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
}

test('atrium usersig/privatemapkey carry exactly the npm package\'s fields and signature', { skip }, () => {
  for (const c of generated) {
    const t = npmTickets(c);
    assert.deepEqual(ticketDocument(atriumTicket(['usersig'], c)), ticketDocument(t.usersig), `case ${c.i} usersig`);
    assert.deepEqual(ticketDocument(atriumTicket(['privatemapkey', '--roomid', String(c.roomid), '--privilege', String(c.privilege)], c)),
                     ticketDocument(t.pmkNumeric), `case ${c.i} numeric PrivateMapKey`);
    assert.deepEqual(ticketDocument(atriumTicket(['privatemapkey', '--strroomid', c.strroomid, '--privilege', String(c.privilege)], c)),
                     ticketDocument(t.pmkString), `case ${c.i} string PrivateMapKey`);
  }
});

test('atrium-generated tickets are judged exactly like npm ones', { skip }, () => {
  const sigJobs = [];
  const pmkJobList = [];
  for (const c of generated) {
    for (const level of ['0', '1']) {  // the Go and C++ libraries' levels
      const args = ['--sdkappid', String(c.sdkappid), '--key', c.key, '--userid', c.userid,
                    '--expire', String(c.expire), '--time', String(c.time), '--zlib-level', level];
      const sig = runCli(['usersig', ...args]);
      assert.equal(sig.status, 0, sig.stderr);
      sigJobs.push(...userSigJobs(c, sig.stdout.trim(), `atrium-l${level}`));
      const pmk = runCli(['privatemapkey', ...args, '--strroomid', c.strroomid, '--privilege', String(c.privilege)]);
      assert.equal(pmk.status, 0, pmk.stderr);
      pmkJobList.push(...pmkJobs(c, pmk.stdout.trim(), { strroomid: c.strroomid }, `atrium-l${level}`));
    }
  }
  checkAnswers('verify-usersig', sigJobs);
  checkAnswers('verify-privatemapkey', pmkJobList);
});

test('single-shot verify prints ok/expiry and fails with code and exit 1', { skip }, () => {
  const c = cases[1];
  const { usersig } = npmTickets(c);
  const args = ['--sdkappid', String(c.sdkappid), '--key', c.key, '--userid', c.userid, '--usersig', usersig];
  const ok = runCli(['verify-usersig', ...args, '--now', String(c.time)]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), `ok expires_at=${c.time + c.expire}`);
  const late = runCli(['verify-usersig', ...args, '--now', String(c.time + c.expire + 1)]);
  assert.equal(late.status, 1);
  assert.match(late.stderr, /^error USERSIG_EXPIRED: /);
  assert.ok(!late.stderr.includes(c.key) && !late.stderr.includes(usersig), 'message leaks the key or ticket');
});
