// The daemon: opens the store, the event bus, the edge and the container runtime, and stops them in order.
import { mkdirSync, readFileSync } from 'node:fs';
import { systemClock, type Clock } from '../core/clock.ts';
import { endpointUrl, type SlipwayConfig } from '../core/config.ts';
import { SlipwayError } from '../core/errors.ts';
import { EventBus } from '../core/events.ts';
import { uuid } from '../core/ids.ts';
import type { DestinationStream } from 'pino';
import { createLogger, SecretMasker, type Logger } from '../core/log.ts';
import { Edge } from '../edge/server.ts';
import type { ContainerRuntime } from '../runtime/types.ts';
import { services } from '../services/api.ts';
import type { ServiceContext } from '../services/types.ts';
import { BlobStore } from '../store/blobs.ts';
import { Store } from '../store/db.ts';
import { startEngines, type Engine } from './engines.ts';
import type { EngineStopOptions } from '../engines/types.ts';
import { removeOwnContainers } from './leftovers.ts';
import { internalApi } from './internal-api.ts';
import { acquireDaemonLock } from './lock.ts';
import { checkAll, type DaemonStatus, type HealthCheck } from './status.ts';

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Uploads untouched this long at start-up were interrupted: they are removed so nothing half-written stays. */
const STALE_UPLOAD_MS = 60 * 60 * 1000;

export interface DaemonOptions {
  readonly config: SlipwayConfig;
  readonly log?: Logger;
  /** Where the daemon's own logger writes (and at which level) when no `log` is given; default JSON on stderr. */
  readonly logTo?: { readonly destination: DestinationStream; readonly level: string };
  readonly clock?: Clock;
  /** `auto` finds or starts a container engine; `none` runs without one (API-only tests). */
  readonly runtime?: 'auto' | 'none' | (() => Promise<ContainerRuntime>);
  /** false runs the API without engines, for tests that drive a service's state themselves (default true). */
  readonly engines?: boolean;
}

type RuntimeState = { state: 'Starting' } | { state: 'Healthy'; runtime: ContainerRuntime; description: string } | { state: 'Unhealthy'; detail: string } | { state: 'Disabled' };

export class Daemon {
  readonly config: SlipwayConfig;
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly bus: EventBus;
  readonly edge: Edge;
  readonly log: Logger;
  readonly clock: Clock;
  readonly masker: SecretMasker;
  readonly instanceId: string;
  readonly startedAt: number;
  /** Resolves once the daemon has stopped, however that was asked for. */
  readonly stopped: Promise<void>;
  #resolveStopped: () => void = () => {};
  #stopping: Promise<void> | undefined;
  #runtime: RuntimeState = { state: 'Starting' };
  /** Settles once the runtime connected, failed, or was never going to (resolved by start, or by close on failure). */
  #runtimeReady: Promise<void>;
  #settleRuntime: () => void = () => {};
  #runtimeConnecting = false;
  #releaseLock: () => void;
  #port: number;
  #engines: Engine[] = [];

  private constructor(options: DaemonOptions, releaseLock: () => void) {
    this.config = options.config;
    this.masker = new SecretMasker();
    this.log = options.log ?? createLogger({ masker: this.masker, ...(options.logTo === undefined ? {} : { destination: options.logTo.destination, level: options.logTo.level }) });
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.#releaseLock = releaseLock;
    this.#port = options.config.port;
    this.#runtimeReady = new Promise((resolve) => (this.#settleRuntime = resolve));
    this.store = new Store(options.config.dataDir);
    this.blobs = new BlobStore(options.config.dataDir);
    for (const service of services) if (service.migrations) this.store.migrate(service.migrations);
    this.instanceId = this.store.getKv<string>('instance-id') ?? this.#newInstanceId();
    this.bus = new EventBus(this.store, () => this.clock.now());
    const context: ServiceContext = { config: this.config, store: this.store, bus: this.bus, clock: this.clock, log: this.log, masker: this.masker };
    this.edge = new Edge({ services, context, log: this.log.child({ component: 'edge' }) });
    this.edge.mount(
      internalApi({
        bus: this.bus,
        status: () => this.status(),
        shutdown: (reason, final) => void this.stop(reason, { final }),
        onClose: (fn) => this.edge.onClose(fn),
      }),
    );
    if (options.engines !== false) this.#engines = startEngines({ ...context, blobs: this.blobs, endpoint: () => this.endpoint, runtime: () => this.#runtimeWhenSettled() });
    for (const engine of this.#engines) for (const m of engine.mounts ?? []) this.edge.mount(m);
    this.stopped = new Promise((resolve) => (this.#resolveStopped = resolve));
  }

  #newInstanceId(): string {
    const id = uuid();
    this.store.setKv('instance-id', id);
    return id;
  }

  /** Starts everything; refuses (AlreadyRunning) when another daemon holds the data dir. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const { config } = options;
    mkdirSync(config.dataDir, { recursive: true });
    const lock = acquireDaemonLock(config.dataDir, { pid: process.pid, host: config.host, port: config.port, startedAt: Date.now() });
    let daemon: Daemon | undefined;
    try {
      daemon = new Daemon(options, () => lock.release());
      await daemon.blobs.cleanStaleUploads(STALE_UPLOAD_MS);
      daemon.#port = await daemon.edge.listen(config.host, config.port);
      lock.update({ pid: process.pid, host: config.host, port: daemon.#port, startedAt: daemon.startedAt });
      const started = daemon;
      started.#runtimeConnecting = true;
      void started.#connectRuntime(options.runtime ?? 'auto').finally(() => started.#settleRuntime());
      daemon.bus.publish({ type: 'daemon.started', resource: `slipway:${daemon.instanceId}`, detail: { pid: process.pid, endpoint: daemon.endpoint } });
      daemon.log.info({ endpoint: daemon.endpoint, dataDir: config.dataDir }, 'slipway is up');
      return daemon;
    } catch (error) {
      if (daemon !== undefined) await daemon.#close();
      else lock.release();
      throw error;
    }
  }

  get endpoint(): string {
    return endpointUrl({ host: this.config.host, port: this.#port });
  }

  get port(): number {
    return this.#port;
  }

  /** The container runtime once connected; throws while it is starting or unavailable. */
  get runtime(): ContainerRuntime {
    if (this.#runtime.state !== 'Healthy') throw new Error(`container runtime is ${this.#runtime.state}`);
    return this.#runtime.runtime;
  }

  /** Resolves when the runtime has connected or failed to. */
  whenRuntimeSettled(): Promise<void> {
    return this.#runtimeReady;
  }

  async #runtimeWhenSettled(): Promise<ContainerRuntime> {
    await this.#runtimeReady;
    const r = this.#runtime;
    if (r.state === 'Healthy') return r.runtime;
    if (r.state === 'Disabled') throw new SlipwayError('RuntimeDisabled', 'Slipway runs without a container runtime (--no-runtime)');
    if (r.state === 'Unhealthy') throw new Error(`no container runtime: ${r.detail}`);
    throw new Error('the container runtime is still starting');
  }

  async #connectRuntime(choice: NonNullable<DaemonOptions['runtime']>): Promise<void> {
    if (choice === 'none') {
      this.#runtime = { state: 'Disabled' };
      return;
    }
    try {
      const runtime =
        choice === 'auto'
          ? await (await import('../runtime/engine.ts')).connectRuntime({ dataDir: this.config.dataDir, logger: this.log.child({ component: 'runtime' }) })
          : await choice();
      const description = await runtime.describe();
      if (this.#stopping !== undefined) {
        await runtime.close();
        return;
      }
      this.#runtime = { state: 'Healthy', runtime, description };
      this.log.info({ engine: description }, 'container runtime connected');
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.#runtime = { state: 'Unhealthy', detail };
      this.log.error({ detail }, 'no container runtime: builds and tasks cannot run until one is available');
    }
  }

  #checks(): HealthCheck[] {
    return [
      {
        name: 'store',
        check: async () => {
          const row = this.store.get('PRAGMA quick_check');
          const ok = row !== undefined && Object.values(row)[0] === 'ok';
          return { status: ok ? 'Healthy' : 'Unhealthy', detail: `${this.store.path}${ok ? '' : ': integrity check failed'}` };
        },
      },
      {
        name: 'events',
        check: async () => {
          const last = this.store.get('SELECT max(seq) AS seq FROM events');
          return { status: 'Healthy', detail: `${String(last?.['seq'] ?? 0)} events` };
        },
      },
      { name: 'edge', check: async () => ({ status: this.edge.listening ? 'Healthy' : 'Unhealthy', detail: this.endpoint }) },
      ...this.#engines.map((engine) => ({
        name: engine.name,
        check: async () =>
          (await engine.health?.()) ?? {
            status: 'Healthy' as const,
            detail: (engine.mounts ?? []).map((m) => `${this.endpoint}${m.prefix}`).join(' ') || 'running',
          },
      })),
      {
        name: 'runtime',
        check: async () => {
          const r = this.#runtime;
          switch (r.state) {
            case 'Healthy':
              await r.runtime.ping();
              return { status: 'Healthy', detail: r.description };
            case 'Unhealthy':
              return { status: 'Unhealthy', detail: r.detail };
            case 'Disabled':
              return { status: 'Stopped', detail: 'disabled (--no-runtime)' };
            case 'Starting':
              return { status: 'Starting', detail: 'connecting to the container engine' };
          }
        },
      },
    ];
  }

  async status(): Promise<DaemonStatus> {
    return {
      version: VERSION,
      pid: process.pid,
      endpoint: this.endpoint,
      dataDir: this.config.dataDir,
      accountId: this.config.accountId,
      region: this.config.region,
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeSeconds: Math.round((this.clock.now() - this.startedAt) / 1000),
      components: await checkAll(this.#checks()),
    };
  }

  /**
   * Stops the edge, then the engines, the runtime connection and the store; idempotent. Task containers and the load
   * balancer's data plane keep running for the next start to adopt, unless `final`: then both end too.
   */
  stop(reason = 'stop requested', options: EngineStopOptions = {}): Promise<void> {
    this.#stopping ??= (async () => {
      this.log.info({ reason, final: options.final === true }, 'slipway is stopping');
      this.bus.publish({ type: 'daemon.stopping', resource: `slipway:${this.instanceId}`, detail: { reason } });
      await this.#close(options);
      this.#resolveStopped();
    })();
    return this.#stopping;
  }

  async #close(options: EngineStopOptions = {}): Promise<void> {
    await this.edge.close();
    if (this.#runtime.state === 'Starting' && !this.#runtimeConnecting) {
      this.#runtime = { state: 'Disabled' };
      this.#settleRuntime();
    }
    for (const engine of [...this.#engines].reverse()) await engine.stop?.(options);
    await this.#runtimeReady;
    // Containers are left running on purpose: the next start adopts them by their owner label (see docs/operations.md),
    // unless this stop is final (`slipway down --all`).
    if (options.final === true && this.#runtime.state === 'Healthy') {
      const removed = await removeOwnContainers(this.#runtime.runtime, this.instanceId, this.log).catch((error: unknown) => {
        this.log.warn({ err: error }, 'could not remove the containers Slipway started');
        return 0;
      });
      if (removed > 0) this.log.info({ removed }, 'removed the containers Slipway started');
    }
    if (this.#runtime.state === 'Healthy') await this.#runtime.runtime.close();
    this.store.close();
    this.#releaseLock();
  }
}
