// The separate data plane: a LocalDataPlane served on a unix socket, driven by whichever daemon said hello last.
import { rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/log.ts';
import { listenOn } from './listen.ts';
import { LocalDataPlane } from './local-plane.ts';
import { PLANE_PROTOCOL, type PlaneSpec } from './plane.ts';
import { planeFingerprint, readFrames, sendFrame, type Hello } from './plane-wire.ts';

export interface PlaneServer {
  /** Resolves once a shutdown (asked over the socket or by `shutdown()`) has closed every listener. */
  readonly ended: Promise<void>;
  shutdown(reason: string): Promise<void>;
  /** No daemon drives the plane and it serves nothing: a daemon killed between starting it and its first apply. */
  idle(): boolean;
}

export async function startPlaneServer(options: { socketPath: string; clock: Clock; log: Logger }): Promise<PlaneServer> {
  const { log, socketPath } = options;
  let controller: Socket | undefined;
  const plane = new LocalDataPlane({
    clock: options.clock,
    log,
    onHealth: (group, health) => {
      if (controller !== undefined) sendFrame(controller, { notice: 'health', group, health });
    },
  });
  // One operation at a time, in arrival order: an apply is a reconcile pass, never two interleaved.
  let queue: Promise<unknown> = Promise.resolve();
  let ending: Promise<void> | undefined;
  let closing = false;
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

  const closeAll = async (reason: string): Promise<void> => {
    closing = true;
    log.info({ reason }, 'data plane stopping');
    await plane.shutdown();
    server.close();
    rmSync(socketPath, { force: true });
    resolveEnded();
  };
  const enqueue = <T>(fn: () => Promise<T>): Promise<T> => {
    const done = queue.then(fn);
    queue = done.catch(() => undefined);
    return done;
  };
  /** From outside the queue (a signal, the data dir gone): after the operation in progress. */
  const shutdown = (reason: string): Promise<void> => (ending ??= enqueue(() => closeAll(reason)));

  const run = async (socket: Socket, op: string, args: Record<string, unknown>): Promise<unknown> => {
    // A plane on its way out must not be adopted, nor bind again what it has just closed.
    if (closing && op !== 'shutdown') throw Object.assign(new Error('the data plane is shutting down'), { code: 'DataPlaneEnding' });
    switch (op) {
      case 'hello': {
        // The newest daemon drives the plane: a previous connection is a daemon that is gone or going.
        if (controller !== undefined && controller !== socket) controller.destroy();
        controller = socket;
        log.info({ protocol: args['protocol'] }, 'daemon connected');
        return { protocol: PLANE_PROTOCOL, fingerprint: planeFingerprint(), pid: process.pid } satisfies Hello;
      }
      case 'apply':
        return plane.apply(args['spec'] as PlaneSpec);
      case 'collect':
        return plane.collect();
      case 'shutdown':
        // Already in the queue: close here rather than queue behind ourselves.
        await (ending ??= closeAll('asked by the daemon'));
        return {};
      default:
        throw Object.assign(new Error(`unknown operation ${op}`), { code: 'UnknownOperation' });
    }
  };

  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (controller === socket) controller = undefined;
    });
    readFrames(socket, (frame) => {
      const id = Number(frame['id']);
      const op = String(frame['op']);
      const args = (frame['args'] ?? {}) as Record<string, unknown>;
      enqueue(() => run(socket, op, args)).then(
        (result) => {
          sendFrame(socket, { id, ok: true, result });
          // The answer to a shutdown is the last word: the daemon sees the connection end once the ports are free.
          if (op === 'shutdown') socket.end();
          // A daemon that has just said hello learns every target's health now, in order with later changes.
          if (op === 'hello') plane.replayHealth();
        },
        (error: unknown) => {
          const err = error as Error & { code?: string };
          log.error({ err, op }, 'data plane operation failed');
          sendFrame(socket, { id, ok: false, error: { code: err.code ?? 'InternalFailure', message: err.message } });
        },
      );
    });
  });
  // Another plane answering on the socket keeps it: taking its path would orphan it with its ports.
  if (await answers(socketPath)) throw Object.assign(new Error(`another data plane answers on ${socketPath}`), { code: 'DataPlaneRunning' });
  rmSync(socketPath, { force: true });
  await listenOn(server, { path: socketPath });
  return { ended, shutdown, idle: () => controller === undefined && plane.describe() === 'no listeners' };
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
