// Pages that drive the Web SDK directly (Atrium.create() imported from /atrium.js), shared by the
// e2e tests. Every SDK event is recorded in window.__events as {event, t, data};
// window.__sockets counts the WebSockets the page opened.
import { newRoomId } from '../../integration/lib/harness.mjs';
import { launchBrowser, evaluate, waitInPage } from './browser.mjs';

export async function sdkPage(name, { browser, srv }) {
  const b = browser ?? await launchBrowser({ name, certPem: srv.ca });
  const page = await b.openPage(`https://127.0.0.1:${srv.port}/`);
  await evaluate(page, async () => {
    const Native = window.WebSocket;
    window.__sockets = 0;
    window.WebSocket = class extends Native { constructor(...a) { super(...a); window.__sockets++; } };
    const { Atrium } = await import('/atrium.js');
    window.__events = [];
    window.__client = Atrium.create();
    for (const event of Object.values(Atrium.EVENT)) {
      window.__client.on(event, (d) => {
        const data = d instanceof Error ? { message: d.message, code: d.code, extraCode: d.extraCode }
          : d && d.data instanceof ArrayBuffer ? { ...d, data: new TextDecoder().decode(d.data) } : d;
        window.__events.push({ event, t: Date.now(), data });
      });
    }
  }, undefined, { what: `${name}: import /atrium.js and Atrium.create()` });
  return { browser: b, page };
}

export async function sdkEnter({ page }, userId, roomId) {
  return evaluate(page, async ({ userId, roomId }) => {
    const cred = await (await fetch('/dev/usersig?userId=' + encodeURIComponent(userId))).json();
    if (cred.error) throw new Error('/dev/usersig: ' + cred.error);
    await window.__client.enterRoom({ sdkAppId: cred.sdkAppId, userId, userSig: cred.userSig, roomId });
    return cred.sdkAppId;
  }, { userId, roomId }, { what: `enterRoom ${userId}` });
}

// alice and bob, each on an SDK page of their own, in one new room of `srv`.
export async function sdkPairInRoom(srv) {
  const roomId = newRoomId();
  const a = await sdkPage('alice', { srv });
  const b = await sdkPage('bob', { srv });
  await sdkEnter(a, 'alice', roomId);
  await sdkEnter(b, 'bob', roomId);
  return { a, b, roomId };
}

export const sdkEvents = ({ page }) => evaluate(page, () => window.__events, undefined, { what: 'SDK events' });
export const sdkWaitEvent = ({ page }, event, pred = '() => true', timeoutMs = 5000) => waitInPage(page,
  ({ event, pred }) => window.__events.find((e) => e.event === event && (0, eval)(pred)(e.data)), { event, pred: String(pred) },
  { timeoutMs, what: `SDK event ${event} matching ${pred}` });

