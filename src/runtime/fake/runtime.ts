// An in-memory ContainerRuntime for fast unit tests of engines; containers behave as their FAKE_* env says.
import { createHash, randomBytes } from 'node:crypto';
import { abortReason, systemClock, type Clock } from '../../core/clock.ts';
import { SlipwayError } from '../../core/errors.ts';
import type {
  BuildImageOptions,
  ContainerInfo,
  ContainerRuntime,
  ContainerSpec,
  ExecOptions,
  ExecResult,
  LogChunk,
  LogOptions,
} from '../types.ts';
import { answerExec } from './behaviour.ts';
import { EXIT_SIGKILL, FakeContainer } from './container.ts';

export interface FakeRuntimeOptions {
  /** Time for stop timeouts, FAKE_RUN_MS and exec durations; default the system clock. */
  readonly clock?: Clock;
  /** `any` (default): any image name runs; `built`: only images built or tagged here, like a real engine that never pulls. */
  readonly images?: 'any' | 'built';
  /** Answers an exec before FAKE_EXEC does; return undefined to fall through. */
  readonly onExec?: (container: ContainerInfo, options: ExecOptions) => ExecResult | undefined | Promise<ExecResult | undefined>;
}

const BUILT_IN_NETWORKS = ['bridge', 'host', 'none', 'podman', 'default'];

function normalizeRef(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return ref.includes('@') || colon > slash ? ref : `${ref}:latest`;
}

export class FakeRuntime implements ContainerRuntime {
  readonly kind = 'fake';
  /** Every build asked of this runtime, in order: lets tests assert "no rebuild". */
  readonly builds: BuildImageOptions[] = [];
  readonly #clock: Clock;
  readonly #imagePolicy: 'any' | 'built';
  readonly #onExec: FakeRuntimeOptions['onExec'];
  readonly #containers = new Map<string, FakeContainer>();
  readonly #images = new Map<string, { id: string; labels: Readonly<Record<string, string>> }>();
  readonly #networks = new Map<string, { index: number; next: number; labels: Readonly<Record<string, string>> }>();
  #networkCount = 0;

  constructor(options: FakeRuntimeOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#imagePolicy = options.images ?? 'any';
    this.#onExec = options.onExec;
  }

  async describe(): Promise<string> {
    return `fake runtime (${this.#containers.size} containers, ${this.#images.size} images)`;
  }

  async ping(): Promise<void> {}

  async imageExists(ref: string): Promise<boolean> {
    return this.#images.has(normalizeRef(ref));
  }

  async buildImage(options: BuildImageOptions): Promise<{ id: string }> {
    const dockerfile = options.dockerfile ?? 'Dockerfile';
    if (!(dockerfile in options.files)) {
      throw new SlipwayError('ImageBuildFailed', `build of image ${options.tag}: the build context has no ${dockerfile}; expected it among ${Object.keys(options.files).join(', ') || 'no files'}`);
    }
    this.builds.push(options);
    const hash = createHash('sha256');
    for (const [name, content] of Object.entries(options.files).sort(([a], [b]) => a.localeCompare(b))) {
      hash.update(name).update(Buffer.isBuffer(content) ? content : `${content.hostPath}:${content.mode ?? ''}`);
    }
    const id = `sha256:${hash.digest('hex')}`;
    this.#images.set(normalizeRef(options.tag), { id, labels: { ...options.labels } });
    options.onOutput?.(`fake build of ${options.tag}: ${id}`);
    return { id };
  }

  async removeImage(ref: string): Promise<void> {
    this.#images.delete(normalizeRef(ref));
  }

  async tagImage(ref: string, target: string): Promise<void> {
    const image = this.#images.get(normalizeRef(ref));
    if (image === undefined) throw new SlipwayError('ImageNotFound', `tagging image ${ref} as ${target}: no image ${ref}; expected one built or tagged here`);
    this.#images.set(normalizeRef(target), image);
  }

  async create(spec: ContainerSpec): Promise<string> {
    if (this.#imagePolicy === 'built' && !this.#images.has(normalizeRef(spec.image))) {
      throw new SlipwayError('ImageNotFound', `create from image ${spec.image}: not present locally (Slipway never pulls); expected an image built or tagged first`);
    }
    const id = randomBytes(32).toString('hex');
    const name = spec.name ?? `fake_${id.slice(0, 12)}`;
    if ([...this.#containers.values()].some((c) => c.name === name)) {
      throw new SlipwayError('ContainerNameConflict', `create of container ${name}: the name is already in use; expected a unique name`);
    }
    const networkName = spec.network ?? 'bridge';
    let network = this.#networks.get(networkName);
    if (network === undefined) {
      if (!BUILT_IN_NETWORKS.includes(networkName)) {
        throw new SlipwayError('NetworkNotFound', `create of a container from ${spec.image}: network ${networkName} not found; expected one made with createNetwork`);
      }
      network = { index: ++this.#networkCount, next: 2, labels: {} };
      this.#networks.set(networkName, network);
    }
    const ipAddress = `10.89.${network.index}.${network.next++}`;
    this.#containers.set(id, new FakeContainer(id, name, spec, this.#clock, { [networkName]: { ipAddress } }));
    return id;
  }

  async start(id: string): Promise<void> {
    await this.#get(id, 'start').start();
  }

  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.#get(id, 'stop').stop((options.timeoutSeconds ?? 10) * 1000);
  }

  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    const container = this.#find(id);
    if (container === undefined) return;
    if (container.running) {
      if (options.force !== true) {
        throw new SlipwayError('ContainerRunning', `removal of container ${id}: it is running; expected it stopped first, or force`);
      }
      await container.exit(EXIT_SIGKILL);
    }
    this.#containers.delete(container.id);
  }

  async inspect(id: string): Promise<ContainerInfo> {
    return this.#get(id, 'inspect').info();
  }

  async wait(id: string, options: { signal?: AbortSignal } = {}): Promise<{ exitCode: number }> {
    const container = this.#get(id, 'wait for');
    const { signal } = options;
    if (signal === undefined) return { exitCode: await container.wait() };
    if (signal.aborted) throw abortReason(signal);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      container.wait().then(
        (exitCode) => {
          signal.removeEventListener('abort', onAbort);
          resolve({ exitCode });
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  logs(id: string, options?: LogOptions): AsyncIterable<LogChunk> {
    // Look the container up at call time, as the real backend fails at the first next().
    const container = this.#find(id);
    if (container === undefined) {
      return (async function* () {
        yield* [];
        throw notFound(id, 'logs of');
      })();
    }
    return container.logs(options);
  }

  async exec(id: string, options: ExecOptions): Promise<ExecResult> {
    const container = this.#get(id, 'exec in');
    if (!container.running) {
      throw new SlipwayError('ContainerNotRunning', `exec ${JSON.stringify(options.command)} in container ${id}: it is ${container.status}; expected it running`);
    }
    const custom = await this.#onExec?.(container.info(), options);
    if (custom !== undefined) return custom;
    const answer = answerExec(container.behaviour, options.command);
    const ms = answer.ms ?? 0;
    if (options.timeoutMs !== undefined && ms > options.timeoutMs) {
      await this.#clock.sleep(options.timeoutMs);
      return { exitCode: -1, stdout: '', stderr: '', timedOut: true };
    }
    if (ms > 0) await this.#clock.sleep(ms);
    return { exitCode: answer.exitCode, stdout: answer.stdout, stderr: answer.stderr, timedOut: false };
  }

  async list(labels: Readonly<Record<string, string>>): Promise<ContainerInfo[]> {
    const wanted = Object.entries(labels);
    return [...this.#containers.values()]
      .filter((c) => wanted.every(([k, v]) => c.spec.labels?.[k] === v))
      .map((c) => c.info());
  }

  async createNetwork(name: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.#networks.has(name)) return;
    this.#networks.set(name, { index: ++this.#networkCount, next: 2, labels: { ...labels } });
  }

  async removeNetwork(name: string): Promise<void> {
    const inUse = [...this.#containers.values()].some((c) => c.running && name in c.networks);
    if (inUse) throw new SlipwayError('NetworkInUse', `removal of network ${name}: running containers use it; expected them stopped first`);
    this.#networks.delete(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#containers.values()].map((c) => c.exit(EXIT_SIGKILL)));
  }

  // Test helpers beyond the interface.

  /** Flips what the container's health and published ports report. */
  setHealthy(id: string, healthy: boolean): void {
    this.#get(id, 'set health of').healthy = healthy;
  }

  /** Ends a running container as if its process exited with `exitCode`. */
  async exitContainer(id: string, exitCode: number, options: { oom?: boolean } = {}): Promise<void> {
    await this.#get(id, 'exit').exit(exitCode, options.oom ?? false);
  }

  /** Writes output as the container's process would. */
  writeLog(id: string, stream: 'stdout' | 'stderr', text: string): void {
    this.#get(id, 'write to').write({ stream, data: Buffer.from(text) });
  }

  #find(id: string): FakeContainer | undefined {
    const exact = this.#containers.get(id);
    if (exact) return exact;
    const matches = [...this.#containers.values()].filter((c) => c.name === id || (id.length >= 3 && c.id.startsWith(id)));
    return matches.length === 1 ? matches[0] : undefined;
  }

  #get(id: string, what: string): FakeContainer {
    const container = this.#find(id);
    if (container === undefined) throw notFound(id, what);
    return container;
  }
}

function notFound(id: string, what: string): SlipwayError {
  return new SlipwayError('ContainerNotFound', `${what} container ${id}: no such container; expected one created by this runtime`);
}
