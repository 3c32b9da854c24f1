// The data plane's control channel: newline-delimited JSON over a unix socket in the data dir, and where that socket is.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A request: `op` with its arguments; the answer carries the same `id`. */
export interface PlaneRequest {
  readonly id: number;
  readonly op: 'hello' | 'apply' | 'collect' | 'shutdown';
  readonly args?: unknown;
}

export type PlaneAnswer = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: { readonly code: string; readonly message: string } };

/** A notice from the plane nobody asked for: a target's health changed. */
export interface PlaneNotice {
  readonly notice: 'health';
  readonly group: string;
  readonly health: unknown;
}

export interface Hello {
  readonly protocol: number;
  readonly fingerprint: string;
  readonly pid: number;
}

export function sendFrame(socket: Socket, message: PlaneRequest | PlaneAnswer | PlaneNotice): void {
  if (socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}

/** Calls `onFrame` with each line parsed; a line that is not JSON ends the connection (the peer is not a plane). */
export function readFrames(socket: Socket, onFrame: (frame: Record<string, unknown>) => void): void {
  const lines = createInterface({ input: socket, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let frame: unknown;
    try {
      frame = JSON.parse(line);
    } catch {
      socket.destroy();
      return;
    }
    if (typeof frame === 'object' && frame !== null) onFrame(frame as Record<string, unknown>);
  });
}

/** Unix socket paths are limited to 108 bytes: a long data dir gets a socket in the temp dir named by its hash. */
export function planeSocketPath(dataDir: string): string {
  const inDataDir = join(dataDir, 'load-balancer.sock');
  if (Buffer.byteLength(inDataDir) <= 100) return inDataDir;
  return join(tmpdir(), `slipway-lb-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`);
}

let fingerprint: string | undefined;

/**
 * The data plane's code, hashed (this folder and core/, tests left out): a daemon adopts only a plane running the code
 * it would start itself, and replaces one left by another build.
 */
export function planeFingerprint(): string {
  if (fingerprint !== undefined) return fingerprint;
  const here = dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  for (const dir of [here, join(here, '..', '..', 'core')]) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts')).sort()) {
      hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
    }
  }
  fingerprint = hash.digest('hex').slice(0, 16);
  return fingerprint;
}
