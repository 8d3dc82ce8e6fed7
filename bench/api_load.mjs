// End-to-end server API throughput: TC3-signed HTTPS requests over keep-alive connections to a
// running atriumd. Usage (bench/api-load.sh starts a server and calls this):
//   node bench/api_load.mjs --port P --ca CERT --secret-id ID --secret-key KEY --app SDKAPPID
//        [--connections 16] [--seconds 10] [--action DescribeScaleInfo]
import https from 'node:https';
import crypto from 'node:crypto';
import fs from 'node:fs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg('port'));
const ca = fs.readFileSync(arg('ca'));
const secretId = arg('secret-id');
const secretKey = arg('secret-key');
const app = Number(arg('app'));
const connections = Number(arg('connections', 16));
const seconds = Number(arg('seconds', 10));
const action = arg('action', 'DescribeScaleInfo');

const hmac = (key, msg) => crypto.createHmac('sha256', key).update(msg).digest();
const sha256 = (msg) => crypto.createHash('sha256').update(msg).digest('hex');

// TC3-HMAC-SHA256 as the official SDKs sign (trtc-compat §3.2), host signed without the port.
function sign(body, timestamp) {
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonical = `POST\n/\n\ncontent-type:application/json\nhost:trtc.localhost\n\ncontent-type;host\n${sha256(body)}`;
  const scope = `${date}/trtc/tc3_request`;
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac('TC3' + secretKey, date), 'trtc'), 'tc3_request');
  const signature = hmac(key, toSign).toString('hex');
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

const now = Math.floor(Date.now() / 1000);
const bodies = {
  DescribeScaleInfo: { SdkAppId: app, StartTime: now - 3600, EndTime: now },
  DismissRoom: { SdkAppId: app, RoomId: 424242 },
};
const body = JSON.stringify(bodies[action]);
const agent = new https.Agent({ keepAlive: true, maxSockets: connections, ca, servername: 'localhost' });

const latencies = [];
let done = 0, errors = 0;
const deadline = Date.now() + seconds * 1000;

function one() {
  return new Promise((resolve) => {
    const ts = Math.floor(Date.now() / 1000);
    const start = process.hrtime.bigint();
    const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent,
      headers: { 'Content-Type': 'application/json', Host: `trtc.localhost:${port}`, 'X-TC-Action': action,
                 'X-TC-Version': '2019-07-22', 'X-TC-Timestamp': String(ts), Authorization: sign(body, ts) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
        const r = JSON.parse(text).Response;
        if (r.Error && r.Error.Code !== 'FailedOperation.RoomNotExist') errors++;
        done++;
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(body);
  });
}

async function worker() {
  while (Date.now() < deadline) await one();
}

const t0 = Date.now();
await Promise.all(Array.from({ length: connections }, worker));
const elapsed = (Date.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
console.log(JSON.stringify({ action, connections, seconds: elapsed, requests: done, errors,
  requestsPerSecond: Math.round(done / elapsed), p50ms: pct(0.5), p99ms: pct(0.99) }));
agent.destroy();
