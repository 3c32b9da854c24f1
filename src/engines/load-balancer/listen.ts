// Binds a listener's server: resolves with the bound port, or rejects with the bind error (EADDRINUSE, EACCES…).
import type { AddressInfo, Server } from 'node:net';

export async function listenOn(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
