// Entry of the separate data plane process: `node plane-main.ts --socket PATH --data-dir DIR`, started detached by the engine.
import { closeSync, existsSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/log.ts';
import { startPlaneServer } from './plane-server.ts';

/** How often the plane looks for its data dir and socket: when either is gone, nobody can drive it, so it ends. */
const ORPHAN_CHECK_MS = 5_000;
/** After a shutdown the process ends by itself once its sockets are closed; this bounds a straggler. */
const EXIT_GRACE_MS = 5_000;

const { values } = parseArgs({ options: { socket: { type: 'string' }, 'data-dir': { type: 'string' } } });
const socketPath = values.socket;
const dataDir = values['data-dir'];
if (socketPath === undefined || dataDir === undefined) {
  process.stderr.write('usage: plane-main.ts --socket PATH --data-dir DIR\n');
  process.exit(2);
}
// Standard output is the plane's log file, opened by the daemon that started it.
const log = createLogger({ destination: pino.destination({ fd: 1, sync: true }) }).child({ component: 'load-balancer-plane', pid: process.pid });
const server = await startPlaneServer({ socketPath, clock: systemClock, log });
log.info({ socket: socketPath, dataDir }, 'data plane started');

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // A second signal does not wait for the listeners to drain.
    if (signalled) process.exit(1);
    signalled = true;
    void server.shutdown(`${signal} received`);
  });
}
process.on('SIGHUP', () => undefined);
let idleChecks = 0;
const orphanCheck = setInterval(() => {
  if (!existsSync(dataDir) || !existsSync(socketPath)) void server.shutdown('its data dir or socket is gone');
  // Two checks in a row with nothing to serve and nobody driving it: its daemon died before giving it any routing.
  idleChecks = server.idle() ? idleChecks + 1 : 0;
  if (idleChecks >= 2) void server.shutdown('no daemon drives it and it serves nothing');
}, ORPHAN_CHECK_MS);
orphanCheck.unref();

// File descriptor 3 is a pipe to the daemon that started us: one line says the socket accepts.
try {
  writeSync(3, 'ready\n');
  closeSync(3);
} catch {
  // Started by hand, without the pipe.
}

await server.ended;
clearInterval(orphanCheck);
log.info('data plane stopped');
setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
