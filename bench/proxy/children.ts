// The bench's child processes: fork one that reports its port over IPC, stop it, and read its CPU time from /proc.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface PortChild {
  readonly child: ChildProcess;
  readonly port: number;
  readonly stop: () => Promise<void>;
}

/** Forks a bench module (run by this same Node) and waits for its `{ port }` message. */
export async function forkWithPort(module: string, args: readonly string[], what: string): Promise<PortChild> {
  const child = fork(module, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Closing the IPC channel asks the child to close its server; SIGKILL if it lingers.
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not report its port within 30 s`)), 30_000);
    child.on('message', (m: unknown) => {
      const p = (m as { port?: unknown } | null)?.port;
      if (typeof p === 'number') {
        clearTimeout(timer);
        resolve(p);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code ?? signal} before reporting its port`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { child, port, stop };
}

let ticksPerSecond: number | undefined;

/** User plus system CPU seconds consumed so far by the given processes (ended ones count as 0). */
export function cpuSeconds(pids: readonly number[]): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // utime and stime are fields 14 and 15; count from after the parenthesised command name (field 2).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / ticksPerSecond;
}
