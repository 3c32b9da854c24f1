// The one container interface every engine uses; backends: docker-api (Docker or Podman's socket) and fake.

/** Label keys that mark what Slipway created, so it can adopt or clean up its own containers and nothing else. */
export const LABELS = {
  /** Present on everything Slipway creates; the value is the data dir's instance id. */
  owner: 'dev.slipway.owner',
  /** What the container is for: `task`, `build`, `hook`, `test` … */
  role: 'dev.slipway.role',
  /** The ARN or id of the Slipway resource the container belongs to. */
  resource: 'dev.slipway.resource',
} as const;

export interface PortBinding {
  readonly containerPort: number;
  readonly protocol?: 'tcp' | 'udp';
  /** Host port; 0 or absent asks the engine for a free one. */
  readonly hostPort?: number;
  /** Host address to bind; defaults to 127.0.0.1 so nothing is exposed beyond the machine. */
  readonly hostIp?: string;
}

export interface Mount {
  /** Absolute host path (bind) or named volume. */
  readonly source: string;
  readonly target: string;
  readonly readOnly?: boolean;
  readonly type?: 'bind' | 'volume';
}

export interface ContainerSpec {
  readonly image: string;
  readonly name?: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly user?: string;
  readonly ports?: readonly PortBinding[];
  readonly mounts?: readonly Mount[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly network?: string;
  /** Aliases on `network`, so other containers reach this one by name. */
  readonly networkAliases?: readonly string[];
  readonly privileged?: boolean;
  /** Memory limit in bytes. */
  readonly memoryBytes?: number;
  /** CPU shares (1024 = 1 vCPU). */
  readonly cpuShares?: number;
  readonly tty?: boolean;
  /** Keep stdin open (for builds driven by a shell). */
  readonly openStdin?: boolean;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly status: ContainerStatus;
  readonly running: boolean;
  /** Set once the container has exited. */
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Published ports as the engine assigned them. */
  readonly ports: readonly { containerPort: number; protocol: 'tcp' | 'udp'; hostIp: string; hostPort: number }[];
  /** Container address on each network it joined. */
  readonly networks: Readonly<Record<string, { ipAddress: string }>>;
  /** The image's or container's health check verdict, when it has one. */
  readonly health?: 'starting' | 'healthy' | 'unhealthy';
}

export interface LogChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly data: Buffer;
}

export interface LogOptions {
  readonly follow?: boolean;
  /** Seconds since the epoch. */
  readonly since?: number;
  readonly signal?: AbortSignal;
}

export interface ExecOptions {
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly workingDir?: string;
  /** Kill the exec's wait after this long; the result then has `timedOut: true`. */
  readonly timeoutMs?: number;
  /** Receives output as it arrives (builds stream their log); the result still carries all of it. */
  readonly onOutput?: (chunk: LogChunk) => void;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface BuildImageOptions {
  /** Tag to give the image, e.g. `slipway/busybox:1a2b3c`. */
  readonly tag: string;
  /** Files of the build context: path inside the context → content (Buffer) or host file to copy. */
  readonly files: Readonly<Record<string, Buffer | { hostPath: string; mode?: number }>>;
  /** Dockerfile path inside the context; default `Dockerfile`. */
  readonly dockerfile?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Receives the build's output lines. */
  readonly onOutput?: (line: string) => void;
}

export interface ContainerRuntime {
  /** `docker-api` or `fake`. */
  readonly kind: string;
  /** Host path of the engine's API socket, when there is one (privileged builds mount it to run `docker`). */
  readonly socketPath?: string;
  /** A short description of the engine: `podman 4.3.1 at unix:///…/podman.sock`. */
  describe(): Promise<string>;
  /** Throws when the engine does not answer. */
  ping(): Promise<void>;

  imageExists(ref: string): Promise<boolean>;
  buildImage(options: BuildImageOptions): Promise<{ id: string }>;
  removeImage(ref: string): Promise<void>;
  /** Gives an existing image another name (`repo:tag`); throws `ImageNotFound` when `ref` is absent. */
  tagImage(ref: string, target: string): Promise<void>;

  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL after `timeoutSeconds` (default 10). A stopped container is not an error. */
  stop(id: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** Removes the container (and its anonymous volumes); a missing container is not an error. */
  remove(id: string, options?: { force?: boolean }): Promise<void>;
  /** Throws SlipwayError `ContainerNotFound` when absent. */
  inspect(id: string): Promise<ContainerInfo>;
  /** Resolves with the exit code when the container stops; an aborted signal ends the wait (the container runs on). */
  wait(id: string, options?: { signal?: AbortSignal }): Promise<{ exitCode: number }>;
  logs(id: string, options?: LogOptions): AsyncIterable<LogChunk>;
  exec(id: string, options: ExecOptions): Promise<ExecResult>;
  /** Containers carrying every given label (key → value). */
  list(labels: Readonly<Record<string, string>>): Promise<ContainerInfo[]>;

  createNetwork(name: string, labels?: Readonly<Record<string, string>>): Promise<void>;
  removeNetwork(name: string): Promise<void>;

  /** Releases connections (and a podman service this runtime started). */
  close(): Promise<void>;
}
