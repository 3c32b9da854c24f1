// The real slipway command as a process, for tests: one run to its end, or `slipway up` left running.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export const SLIPWAY_BIN = join(import.meta.dirname, '..', '..', 'bin', 'slipway.js');

/** Runs the CLI on this Node 24 to its end and collects its output. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [SLIPWAY_BIN, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

export interface SlipwayProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** The exit, listened for from the start (a `down` may return after the process is gone). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed on standard output so far. */
  output(): string;
}

/** `slipway up ARGS` as a process of its own, resolved once it says it is up; rejects if it exits first. */
export async function startSlipwayUp(args: string[], env: Record<string, string> = {}): Promise<SlipwayProcess> {
  const child = spawn(process.execPath, [SLIPWAY_BIN, 'up', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => (out += d.toString()).includes('Slipway is up') && resolve());
    void exited.then(({ code }) => reject(new Error(`slipway up exited ${code}: ${err.trim()}`)));
  });
  return { child, exited, output: () => out };
}
