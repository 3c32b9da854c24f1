// Binds a server on a TCP port and host, or on a unix socket path: resolves with the bound port (0 for a path), or
// rejects with the bind error (EADDRINUSE, EACCES…).
import type { Server } from 'node:net';

export async function listenOn(server: Server, at: { readonly port: number; readonly host: string } | { readonly path: string }): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
