// Where a build's commands run: drivers started in the build container (or on the host), fed steps through FIFOs.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerRuntime } from '../../runtime/types.ts';
import { DRIVER_SCRIPT, DriverOutput, type StepEnd } from './driver.ts';

const run = promisify(execFile);

/** Starts one driver shell; resolves with its exit code once it ends. */
export interface DriverLauncher {
  /** The control dir as the shell sees it. */
  readonly controlDir: string;
  launch(args: { user?: string; fifo: string; restore: boolean; env: Record<string, string>; onOutput: (data: Buffer) => void }): Promise<number>;
}

/** Drivers as `exec`s in the running build container (so they share its filesystem and processes). */
export function containerLauncher(runtime: ContainerRuntime, containerId: string, shell: string, controlDir: string, workingDir: string): DriverLauncher {
  return {
    controlDir,
    async launch({ user, fifo, restore, env, onOutput }) {
      const result = await runtime.exec(containerId, {
        command: [shell, `${controlDir}/driver.sh`, controlDir, fifo, restore ? 'restore' : 'fresh'],
        env,
        workingDir,
        ...(user === undefined ? {} : { user }),
        onOutput: (chunk) => onOutput(chunk.data),
      });
      return result.exitCode;
    },
  };
}

/** Host mode: drivers are child processes of Slipway itself (not isolated); `stop` kills their process groups. */
export function hostLauncher(shell: string, controlDir: string, workingDir: string): DriverLauncher & { stop(): void } {
  const children = new Set<number>();
  return {
    controlDir,
    launch({ fifo, restore, env, onOutput }) {
      return new Promise((resolve) => {
        const child = spawn(shell, [join(controlDir, 'driver.sh'), controlDir, fifo, restore ? 'restore' : 'fresh'], {
          cwd: workingDir,
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        if (child.pid !== undefined) children.add(child.pid);
        child.stdout.on('data', onOutput);
        child.stderr.on('data', onOutput);
        child.on('error', (err) => {
          onOutput(Buffer.from(`${err.message}\n`));
          resolve(127);
        });
        child.on('close', (code, signal) => {
          if (child.pid !== undefined) children.delete(child.pid);
          resolve(code ?? (signal === null ? 1 : 128 + 15));
        });
      });
    },
    stop() {
      for (const pid of children) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

export interface StepResult {
  readonly status: number;
  /** The shell ended during the step (`exit`, `set -e`, or the build was stopped). */
  readonly shellExited: boolean;
}

interface Driver {
  readonly fifo: FileHandle;
  readonly output: DriverOutput;
  alive: boolean;
  readonly exited: Promise<number>;
  pending?: { step: number; resolve: (end: StepEnd) => void };
}

/**
 * One build's shells: one driver per run-as user (the build's commands for that user share it), restarted from the
 * saved state when a command ended the shell. Steps are written to `step-<k>.sh` and announced on the FIFO.
 */
export class ShellSession {
  readonly #launcher: DriverLauncher;
  readonly #hostControlDir: string;
  readonly #env: () => Record<string, string>;
  readonly #onLine: (line: string, silent: boolean) => void;
  readonly #drivers = new Map<string, Driver>();
  /** Users whose shell ended: their next driver restores the saved state. */
  readonly #restore = new Set<string>();
  #step = 0;
  #silent = false;
  #generation = 0;

  constructor(launcher: DriverLauncher, hostControlDir: string, env: () => Record<string, string>, onLine: (line: string, silent: boolean) => void) {
    this.#launcher = launcher;
    this.#hostControlDir = hostControlDir;
    this.#env = env;
    this.#onLine = onLine;
  }

  static async prepare(hostControlDir: string): Promise<void> {
    await writeFile(join(hostControlDir, 'driver.sh'), DRIVER_SCRIPT, { mode: 0o644 });
  }

  /** Runs `text` as one step in `user`'s shell; `silent` keeps Slipway's own steps out of the log. */
  async run(text: string, options: { user?: string; silent?: boolean } = {}): Promise<StepResult> {
    const key = options.user ?? '';
    const driver = this.#drivers.get(key)?.alive === true ? this.#drivers.get(key) : await this.#start(key, options.user);
    if (driver === undefined) throw new Error('unreachable: driver started above');
    const step = ++this.#step;
    const nonce = randomBytes(16).toString('hex');
    await writeFile(join(this.#hostControlDir, `step-${step}.sh`), `${text}\n`, { mode: 0o644 });
    driver.output.expect(nonce, step);
    this.#silent = options.silent === true;
    const ended = new Promise<StepEnd>((resolve) => (driver.pending = { step, resolve }));
    await driver.fifo.write(`${step}\n${nonce}\n`);
    const outcome = await Promise.race([ended, driver.exited.then((code) => ({ exit: code }))]);
    driver.pending = undefined;
    if ('exit' in outcome) return { status: outcome.exit, shellExited: true };
    return { status: outcome.status, shellExited: false };
  }

  /** Ends every shell (each driver leaves its loop) and waits for them. */
  async close(): Promise<void> {
    const drivers = [...this.#drivers.values()];
    await Promise.all(
      drivers.map(async (d) => {
        if (d.alive) await d.fifo.write('quit\n').catch(() => undefined);
        await d.exited;
        await d.fifo.close().catch(() => undefined);
      }),
    );
  }

  async #start(key: string, user: string | undefined): Promise<Driver> {
    const fifoName = `in-${++this.#generation}`;
    const hostFifo = join(this.#hostControlDir, fifoName);
    await run('mkfifo', ['-m', '666', hostFifo]);
    // Read-write: opening never blocks, and the FIFO stays open for the driver whatever happens on its side.
    const fifo = await open(hostFifo, 'r+');
    const restore = this.#restore.has(key);
    const output = new DriverOutput(
      (line) => this.#onLine(line, this.#silent),
      (end) => {
        const d = this.#drivers.get(key);
        if (d?.pending?.step === end.step) d.pending.resolve(end);
      },
    );
    const driver: Driver = {
      fifo,
      output,
      alive: true,
      exited: this.#launcher
        .launch({ ...(user === undefined ? {} : { user }), fifo: fifoName, restore, env: this.#env(), onOutput: (data) => output.push(data) })
        .catch((err: unknown) => {
          this.#onLine(`Slipway could not start the build shell: ${err instanceof Error ? err.message : String(err)}`, false);
          return 127;
        })
        .then((code) => {
          output.end();
          driver.alive = false;
          this.#restore.add(key);
          return code;
        }),
    };
    this.#drivers.set(key, driver);
    return driver;
  }
}
