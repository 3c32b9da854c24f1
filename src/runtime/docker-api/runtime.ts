// The ContainerRuntime on the Docker Engine API (Docker or Podman's compatible socket), through dockerode.
import Docker from 'dockerode';
import type { Logger } from '../../core/log.ts';
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
import { statusOf, toSlipwayError } from './errors.ts';
import { runExec } from './exec.ts';
import { buildImage, imageExists, removeImage, tagImage } from './images.ts';
import { streamLogs } from './logs.ts';
import { toContainerInfo, toCreateOptions } from './mapping.ts';

export interface DockerApiRuntimeOptions {
  readonly socketPath: string;
  readonly logger?: Logger;
  /** Runs on close(), after connections are released: stops a podman service started for this runtime. */
  readonly onClose?: () => Promise<void>;
}

export class DockerApiRuntime implements ContainerRuntime {
  readonly kind = 'docker-api';
  readonly socketPath: string;
  readonly #docker: Docker;
  readonly #logger: Logger | undefined;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closed = false;

  constructor(options: DockerApiRuntimeOptions) {
    this.socketPath = options.socketPath;
    this.#docker = new Docker({ socketPath: options.socketPath });
    this.#logger = options.logger;
    this.#onClose = options.onClose;
  }

  async describe(): Promise<string> {
    try {
      const v = await this.#docker.version();
      const isPodman = (v.Components ?? []).some((c) => /podman/i.test(c.Name));
      return `${isPodman ? 'podman' : 'docker'} ${v.Version} at unix://${this.socketPath}`;
    } catch (err) {
      throw toSlipwayError(err, `version of the engine at unix://${this.socketPath}`);
    }
  }

  async ping(): Promise<void> {
    try {
      await this.#docker.ping();
    } catch (err) {
      throw toSlipwayError(err, `ping of the engine at unix://${this.socketPath}`);
    }
  }

  imageExists(ref: string): Promise<boolean> {
    return imageExists(this.#docker, ref);
  }

  async buildImage(options: BuildImageOptions): Promise<{ id: string }> {
    const started = Date.now();
    const result = await buildImage(this.#docker, options);
    this.#logger?.debug({ tag: options.tag, id: result.id, ms: Date.now() - started }, 'image built');
    return result;
  }

  removeImage(ref: string): Promise<void> {
    return removeImage(this.#docker, ref);
  }

  tagImage(ref: string, target: string): Promise<void> {
    return tagImage(this.#docker, ref, target);
  }

  async create(spec: ContainerSpec): Promise<string> {
    try {
      const container = await this.#docker.createContainer(toCreateOptions(spec));
      this.#logger?.debug({ id: container.id, image: spec.image, name: spec.name }, 'container created');
      return container.id;
    } catch (err) {
      // Docker says 404 for a missing image and for a missing network; tell them apart by asking.
      if (statusOf(err) === 404 && !(await this.imageExists(spec.image))) {
        throw toSlipwayError(err, `create from image ${spec.image} (not present locally; Slipway never pulls)`, { 404: 'ImageNotFound' });
      }
      throw toSlipwayError(err, `create of a container from ${spec.image}`, { 404: 'NetworkNotFound', 409: 'ContainerNameConflict' });
    }
  }

  async start(id: string): Promise<void> {
    try {
      await this.#container(id).start();
    } catch (err) {
      if (statusOf(err) === 304) return; // already running
      throw toSlipwayError(err, `start of container ${id}`, { 404: 'ContainerNotFound', 500: 'ContainerStartFailed' });
    }
  }

  async stop(id: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    try {
      await this.#container(id).stop({ t: options.timeoutSeconds ?? 10 });
    } catch (err) {
      if (statusOf(err) === 304) return; // already stopped
      throw toSlipwayError(err, `stop of container ${id}`, { 404: 'ContainerNotFound' });
    }
  }

  async remove(id: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.#container(id).remove({ force: options.force ?? false, v: true });
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw toSlipwayError(err, `removal of container ${id}`, { 409: 'ContainerRunning' });
    }
  }

  async inspect(id: string): Promise<ContainerInfo> {
    try {
      return toContainerInfo(await this.#container(id).inspect());
    } catch (err) {
      throw toSlipwayError(err, `inspect of container ${id}: no such container, expected one this engine knows`, { 404: 'ContainerNotFound' });
    }
  }

  async wait(id: string, options: { signal?: AbortSignal } = {}): Promise<{ exitCode: number }> {
    try {
      const result = (await this.#container(id).wait(options.signal === undefined ? {} : { abortSignal: options.signal })) as { StatusCode: number };
      return { exitCode: result.StatusCode };
    } catch (err) {
      throw toSlipwayError(err, `wait for container ${id}`, { 404: 'ContainerNotFound' });
    }
  }

  logs(id: string, options?: LogOptions): AsyncIterable<LogChunk> {
    return streamLogs(this.#docker, id, options);
  }

  exec(id: string, options: ExecOptions): Promise<ExecResult> {
    return runExec(this.#docker, id, options);
  }

  async list(labels: Readonly<Record<string, string>>): Promise<ContainerInfo[]> {
    let found: Docker.ContainerInfo[];
    try {
      found = await this.#docker.listContainers({
        all: true,
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) },
      });
    } catch (err) {
      throw toSlipwayError(err, `list of containers labelled ${JSON.stringify(labels)}`);
    }
    const infos: ContainerInfo[] = [];
    for (const c of found) {
      try {
        infos.push(await this.inspect(c.Id));
      } catch (err) {
        // Removed between the list and the inspect: it is no longer there, so it is not listed.
        if (!(err instanceof Error && 'code' in err && err.code === 'ContainerNotFound')) throw err;
      }
    }
    return infos;
  }

  async createNetwork(name: string, labels: Readonly<Record<string, string>> = {}): Promise<void> {
    try {
      const existing = await this.#docker.listNetworks({ filters: { name: [name] } });
      if (existing.some((n) => n.Name === name)) return;
      await this.#docker.createNetwork({ Name: name, Labels: { ...labels }, CheckDuplicate: true });
    } catch (err) {
      if (statusOf(err) === 409) return; // created concurrently: the wanted state holds
      throw toSlipwayError(err, `creation of network ${name}`);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.#docker.getNetwork(name).remove();
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw toSlipwayError(err, `removal of network ${name}`, { 409: 'NetworkInUse' });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#onClose?.();
  }

  #container(id: string): Docker.Container {
    return this.#docker.getContainer(id);
  }
}
