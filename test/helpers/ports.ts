// Ports for listeners tests and benchmarks create: free on 127.0.0.1 when asked (the kernel's choice).
import { createServer, type AddressInfo } from 'node:net';

/** A port nothing listens on right now, for listeners that bind fixed ports as on AWS. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
