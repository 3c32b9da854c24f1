// Finds a Docker-compatible engine socket, or starts (and stops) a private `podman system service` child.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, rm } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { join, delimiter } from 'node:path';
import Docker from 'dockerode';
import { SlipwayError } from '../core/errors.ts';

/** One place an engine might answer, and why it was tried (for the EngineUnavailable message). */
export interface SocketCandidate {
  readonly socketPath: string;
  readonly source: string;
}

/** The well-known sockets in discovery order: DOCKER_HOST (unix://), Docker's, rootless Podman's, rootful Podman's. */
export function socketCandidates(env: NodeJS.ProcessEnv = process.env): SocketCandidate[] {
  const out: SocketCandidate[] = [];
  const dockerHost = env['DOCKER_HOST'];
  if (dockerHost !== undefined && dockerHost !== '') {
    if (!dockerHost.startsWith('unix://')) {
      throw new SlipwayError(
        'EngineUnavailable',
        `DOCKER_HOST is ${JSON.stringify(dockerHost)}; expected a unix:// socket address (tcp:// engines are not supported)`,
      );
    }
    out.push({ socketPath: dockerHost.slice('unix://'.length), source: 'DOCKER_HOST' });
  }
  out.push({ socketPath: '/var/run/docker.sock', source: 'Docker default socket' });
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg !== undefined && xdg !== '') out.push({ socketPath: join(xdg, 'podman', 'podman.sock'), source: 'rootless Podman socket' });
  out.push({ socketPath: '/run/podman/podman.sock', source: 'rootful Podman socket' });
  return out;
}

/** True when an engine answers `_ping` on this socket within `timeoutMs`. */
export async function pingSocket(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  try {
    await access(socketPath, fsConstants.W_OK);
  } catch {
    return false;
  }
  const docker = new Docker({ socketPath, timeout: timeoutMs });
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or undefined (what a shell's `command -v` finds). */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The path of `podman` on PATH, or undefined. */
export function findPodman(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return findOnPath('podman', env);
}

/** A podman API service this process started; `stop()` ends it. */
export interface PodmanService {
  readonly socketPath: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartPodmanOptions {
  readonly podmanPath: string;
  readonly socketPath: string;
  /** How long to wait for the service to answer `_ping`. */
  readonly readyTimeoutMs?: number;
}

/** Starts `podman system service --time=0 unix://<socketPath>` and resolves once it answers `_ping`. */
export async function startPodmanService(options: StartPodmanOptions): Promise<PodmanService> {
  const { podmanPath, socketPath } = options;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  await rm(socketPath, { force: true });
  await mkdir(join(socketPath, '..'), { recursive: true });
  const child = spawn(podmanPath, ['system', 'service', '--time=0', `unix://${socketPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const service: PodmanService = { socketPath, pid: child.pid, stop: () => stopChild(child, exited, socketPath) };
  // Poll with a short, growing interval until the socket answers or the deadline passes.
  let interval = 25;
  for (;;) {
    if (spawnError !== undefined || child.exitCode !== null || child.signalCode !== null) {
      throw new SlipwayError(
        'EngineUnavailable',
        `podman system service exited before answering on ${socketPath} (exit ${String(child.exitCode ?? child.signalCode)}): ${stderr.trim() || spawnError?.message || 'no output'}`,
        { cause: spawnError, fault: 'server' },
      );
    }
    if (await pingSocket(socketPath, 1000)) return service;
    if (Date.now() > deadline) {
      await service.stop();
      throw new SlipwayError(
        'EngineUnavailable',
        `podman system service did not answer on ${socketPath} within ${options.readyTimeoutMs ?? 20_000} ms; output: ${stderr.trim() || 'none'}`,
        { fault: 'server' },
      );
    }
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(interval * 2, 250);
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>, socketPath: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  await rm(socketPath, { force: true });
}
