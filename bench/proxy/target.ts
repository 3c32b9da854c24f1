// Bench child process: the proxied target, a node:http server on 127.0.0.1 answering every path with a fixed body.
// Run by proxy.ts through fork(): argv[2] is the body size in bytes; it reports its port over the IPC channel.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const bytes = Number(process.argv[2] ?? 1024);
const body = Buffer.alloc(bytes, 'x');
const server = createServer({ keepAlive: true }, (req, res) => {
  // Drain any request body so the connection stays reusable.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) });
  res.end(body);
});
// Proxies keep pooled connections idle between bursts; a long keep-alive avoids races on reuse during the bench.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
// The parent's exit closes the IPC channel: stop with it, so no target outlives the bench.
process.on('disconnect', () => {
  server.close();
  server.closeAllConnections();
});
