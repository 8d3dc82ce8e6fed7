// R11: the server log never holds raw user ids, app secret keys, tickets or resume tokens.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import {
  startServer, createApp, connectClient, newRoomId, userSig, privateMapKey, PRIV,
} from './lib/harness.mjs';

const { Api } = createRequire(import.meta.url)('tls-sig-api-v2');
let server;
after(() => server?.stop());

test('the server log holds no raw user ids, keys, tickets or resume tokens', { timeout: 60000 }, async () => {
  server = await startServer({ 'signal.session_grace_ms': 500 });
  const app = await createApp(server);
  const adv = await createApp(server, { advancedPermission: true });
  const secrets = new Map([['app secret key', app.secretKey], ['adv secret key', adv.secretKey]]);
  const users = ['secretalice77', 'secretbob88', 'secretcarol99', 'secretmallory66'];
  for (const u of users) secrets.set(`user id ${u}`, u);
  const keep = (what, value) => { secrets.set(what, value); return value; };

  const roomId = newRoomId();
  const alice = await connectClient(server, 'alice');
  const bob = await connectClient(server, 'bob');
  const a = await alice.enterOk(app, 'secretalice77', { roomId, userSig: keep('alice usersig', userSig(app, 'secretalice77')) });
  keep('alice resumeToken', a.resumeToken);
  const b = await bob.enterOk(app, 'secretbob88', { roomId, userSig: keep('bob usersig', userSig(app, 'secretbob88')) });
  keep('bob resumeToken', b.resumeToken);
  await alice.nextEvent('remote-user-enter');
  await bob.ok('sendCustomMessage', { cmdId: 1, data: Buffer.from('secret payload').toString('base64') });

  // Failures: bad signature, wrong user, an advanced app with a PrivateMapKey for another room.
  const mallory = await connectClient(server, 'mallory');
  const forged = keep('forged usersig', new Api(app.sdkAppId, 'not-the-key').genSig('secretmallory66', 3600));
  assert.equal((await mallory.enter(app, 'secretmallory66', { roomId, userSig: forged })).ok, false);
  assert.equal((await mallory.enter(app, 'secretmallory66', { roomId, userSig: keep('bob sig reused', userSig(app, 'secretbob88')) })).ok, false);
  const wrongRoomPmk = keep('wrong-room pmk', privateMapKey(adv, 'secretmallory66', roomId + 1, PRIV.ALL));
  assert.equal((await mallory.enter(adv, 'secretmallory66', { roomId, privateMapKey: wrongRoomPmk })).ok, false);
  const carol = await connectClient(server, 'carol');
  const goodPmk = keep('carol pmk', privateMapKey(adv, 'secretcarol99', roomId, PRIV.ALL));
  const c = await carol.enterOk(adv, 'secretcarol99', { roomId, userSig: keep('carol usersig', userSig(adv, 'secretcarol99')), privateMapKey: goodPmk });
  keep('carol resumeToken', c.resumeToken);

  // Resume (good and bad token), duplicate-user kick, grace expiry, exit.
  alice.terminate();
  await alice.waitClose();
  const alice2 = await connectClient(server, 'alice2');
  assert.equal((await alice2.resume({ sessionId: a.sessionId, resumeToken: `${a.resumeToken.slice(0, -2)}zz` })).ok, false);
  assert.equal((await alice2.resume(a, 0)).ok, true);
  if (alice2.session.resumeToken !== a.resumeToken) keep('alice resumeToken 2', alice2.session.resumeToken);
  const bob2 = await connectClient(server, 'bob2');
  const b2 = await bob2.enterOk(app, 'secretbob88', { roomId });
  keep('bob2 resumeToken', b2.resumeToken);
  bob2.terminate();
  await bob2.waitClose();
  await alice2.nextEvent('remote-user-exit', 4000); // bob (kick) ...
  await alice2.nextEvent('remote-user-exit', 4000); // ... and bob again (grace expired)
  await alice2.ok('exitRoom');
  await carol.close();

  await server.stop({ keep: true });
  const log = fs.readFileSync(server.logPath, 'utf8');
  assert.ok(log.length > 0, 'the server wrote a log');
  const leaks = [...secrets].filter(([, value]) => log.includes(value)).map(([what]) => what);
  assert.deepEqual(leaks, [], `found in ${server.logPath}`);
  // Masked user ids (e.g. se****77, a****e) are fine; raw numbers like the room id are not personal data.
});
