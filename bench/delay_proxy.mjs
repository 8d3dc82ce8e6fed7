// A TCP proxy that delays every chunk by --delay-ms in each direction: PostgreSQL "at 2 ms round
// trip" on a machine whose kernel has no netem (tc qdisc ... netem is what one would use otherwise).
// Order is kept per direction (each chunk is due delay-ms after it arrived; timers fire in order).
//   node bench/delay_proxy.mjs --listen 0 --target 127.0.0.1:5432 --delay-ms 1
// Prints the port it listens on as its first line of output.
import net from 'node:net';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const [targetHost, targetPort] = (args.target ?? '127.0.0.1:5432').split(':');
const delayMs = Number(args['delay-ms'] ?? 1);

// Forwards src → dst, each chunk delayed; a chunk never overtakes an earlier one.
function pipeDelayed(src, dst) {
  let lastDue = 0;
  src.on('data', (chunk) => {
    const due = Math.max(performance.now() + delayMs, lastDue);
    lastDue = due;
    setTimeout(() => { if (!dst.destroyed) dst.write(chunk); }, due - performance.now());
  });
  src.on('end', () => setTimeout(() => dst.end(), Math.max(0, lastDue - performance.now())));
  src.on('error', () => dst.destroy());
}

const server = net.createServer((client) => {
  client.setNoDelay(true);
  const upstream = net.connect({ host: targetHost, port: Number(targetPort) });
  upstream.setNoDelay(true);
  pipeDelayed(client, upstream);
  pipeDelayed(upstream, client);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(Number(args.listen ?? 0), '127.0.0.1', () => {
  console.log(server.address().port);
});
