// Connects to a container engine: an explicit socket, DOCKER_HOST, the well-known sockets, or a podman service it starts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { DockerApiRuntime } from './docker-api/runtime.ts';
import { findPodman, pingSocket, socketCandidates, startPodmanService } from './podman-service.ts';
import type { ContainerRuntime } from './types.ts';

export interface ConnectRuntimeOptions {
  /** Where a podman service started by Slipway puts its socket; a fresh temp dir when absent. */
  readonly dataDir?: string;
  /** Use exactly this socket; no discovery. */
  readonly socketPath?: string;
  readonly logger?: Logger;
  /** Environment to read DOCKER_HOST, XDG_RUNTIME_DIR and PATH from (tests); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Sockets to probe instead of the well-known ones (tests). */
  readonly candidates?: readonly { socketPath: string; source: string }[];
}

export async function connectRuntime(options: ConnectRuntimeOptions = {}): Promise<ContainerRuntime> {
  const logger = options.logger;
  if (options.socketPath !== undefined) {
    if (!(await pingSocket(options.socketPath))) {
      throw new SlipwayError(
        'EngineUnavailable',
        `No container engine answered on the socket given (${options.socketPath}); expected a Docker or Podman API socket there (start one with \`podman system service --time=0 unix://${options.socketPath}\`)`,
        { fault: 'server' },
      );
    }
    return new DockerApiRuntime({ socketPath: options.socketPath, ...(logger ? { logger } : {}) });
  }
  const env = options.env ?? process.env;
  const tried: string[] = [];
  for (const c of options.candidates ?? socketCandidates(env)) {
    if (await pingSocket(c.socketPath)) {
      logger?.info({ socket: c.socketPath, source: c.source }, 'container engine found');
      return new DockerApiRuntime({ socketPath: c.socketPath, ...(logger ? { logger } : {}) });
    }
    if (c.source === 'DOCKER_HOST') logger?.warn({ socket: c.socketPath }, 'nothing answers at DOCKER_HOST; trying the well-known sockets');
    tried.push(`${c.socketPath} (${c.source})`);
  }
  const podman = await findPodman(env);
  if (podman === undefined) {
    tried.push('`podman` on PATH (not found)');
    throw new SlipwayError(
      'EngineUnavailable',
      `No container engine found. Tried: ${tried.join('; ')}. Expected a Docker or Podman API socket: install podman (Slipway then starts its service itself) or docker, or set DOCKER_HOST=unix:///path/to/engine.sock`,
      { fault: 'server' },
    );
  }
  const ownDir = options.dataDir === undefined;
  const dir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'slipway-engine-')));
  const socketPath = join(dir, 'podman.sock');
  let service;
  try {
    service = await startPodmanService({ podmanPath: podman, socketPath });
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    tried.push(`${podman} system service at ${socketPath} (failed)`);
    throw new SlipwayError(
      'EngineUnavailable',
      `No container engine could be had. Tried: ${tried.join('; ')}. ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, fault: 'server' },
    );
  }
  logger?.info({ socket: socketPath, pid: service.pid }, 'podman service started');
  return new DockerApiRuntime({
    socketPath,
    ...(logger ? { logger } : {}),
    onClose: async () => {
      await service.stop();
      if (ownDir) await rm(dir, { recursive: true, force: true });
      logger?.info({ socket: socketPath }, 'podman service stopped');
    },
  });
}
