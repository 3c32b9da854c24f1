// The edge: one HTTP port for the AWS protocols, the registry and git mounts, and Slipway's own API.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { requestId as newRequestId } from '../core/ids.ts';
import type { Mount } from '../core/mount.ts';
import type { Logger } from '../core/log.ts';
import type { OperationContext, ServiceContext, ServiceDefinition } from '../services/types.ts';
import { toSlipwayError } from './aws-errors.ts';
import { decodeJsonRequest, sendJsonError, sendJsonResult } from './aws-json.ts';
import { decodeQueryRequest, sendQueryError, sendQueryResult } from './aws-query.ts';
import { sendText } from '../core/http.ts';
import { parseAuthorization } from './sigv4.ts';

export type { Mount } from '../core/mount.ts';

export interface EdgeOptions {
  readonly services: readonly ServiceDefinition[];
  readonly context: ServiceContext;
  readonly mounts?: readonly Mount[];
  readonly log: Logger;
}

export class Edge {
  readonly server: Server;
  readonly #byPrefix = new Map<string, ServiceDefinition>();
  readonly #bySigningName = new Map<string, ServiceDefinition>();
  readonly #mounts: Mount[];
  readonly #context: ServiceContext;
  readonly #log: Logger;
  readonly #closers = new Set<() => void>();

  constructor(options: EdgeOptions) {
    for (const service of options.services) {
      if (service.targetPrefix !== undefined) this.#byPrefix.set(service.targetPrefix, service);
      this.#bySigningName.set(service.signingName, service);
    }
    this.#mounts = [...(options.mounts ?? [])];
    this.#context = options.context;
    this.#log = options.log;
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void this.#handle(req, res));
  }

  /** Adds a mount after construction (engines that start later). */
  mount(mount: Mount): void {
    this.#mounts.push(mount);
  }

  /** Registers a function run on close, e.g. to end live event streams. */
  onClose(fn: () => void): () => void {
    this.#closers.add(fn);
    return () => this.#closers.delete(fn);
  }

  async listen(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  async close(): Promise<void> {
    for (const fn of [...this.#closers]) fn();
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    // In-flight requests get a moment to finish; then the remaining connections are cut.
    const cut = setTimeout(() => this.server.closeAllConnections(), 2_000);
    await closed;
    clearTimeout(cut);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = newRequestId();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let target = String(req.headers['x-amz-target'] ?? '');
    res.on('finish', () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      this.#log.debug({ method: req.method, path, target: target || undefined, status: res.statusCode, ms, requestId }, 'request');
    });
    try {
      // The longest matching prefix wins, so an engine can serve a path under Slipway's own `/_slipway/`.
      const mount = this.#mounts
        .filter((m) => path === m.prefix.replace(/\/$/, '') || path.startsWith(m.prefix))
        .reduce<Mount | undefined>((best, m) => (best === undefined || m.prefix.length > best.prefix.length ? m : best), undefined);
      if (mount !== undefined) {
        await mount.handle(req, res, requestId);
        return;
      }
      if (req.method === 'POST' && target !== '') {
        await this.#json(req, res, requestId);
        return;
      }
      const type = String(req.headers['content-type'] ?? '');
      if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
        target = await this.#query(req, res, requestId);
        return;
      }
      if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        sendText(res, 200, 'Slipway: AWS API endpoint. Status: GET /_slipway/status\n');
        return;
      }
      sendText(res, 404, `No route for ${req.method ?? 'GET'} ${path}\n`);
    } catch (error) {
      this.#log.error({ err: error, path, requestId }, 'edge handler failed');
      if (!res.headersSent) sendText(res, 500, 'Internal error\n');
      else res.destroy();
    }
  }

  #operationContext(req: IncomingMessage, requestId: string): OperationContext {
    const scope = parseAuthorization(req.headers.authorization);
    return {
      ...this.#context,
      request: scope === undefined ? { requestId } : { requestId, accessKeyId: scope.accessKeyId },
    };
  }

  async #json(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    let service: ServiceDefinition | undefined;
    try {
      const call = await decodeJsonRequest(req, this.#byPrefix);
      service = call.service;
      const handler = call.service.operations[call.operation];
      const output: unknown = await handler?.(call.input, this.#operationContext(req, requestId));
      sendJsonResult(res, call.service, output, requestId);
    } catch (error) {
      const err = toSlipwayError(error);
      if (err.fault === 'server') this.#log.error({ err: error, requestId }, 'operation failed');
      sendJsonError(res, service, err, requestId);
    }
  }

  async #query(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<string> {
    const scope = parseAuthorization(req.headers.authorization);
    try {
      const call = await decodeQueryRequest(req, scope?.service, this.#bySigningName);
      const handler = call.service.operations[call.operation];
      const output: unknown = await handler?.(call.input, this.#operationContext(req, requestId));
      sendQueryResult(res, call, output, requestId);
      return `${call.service.signingName}.${call.operation}`;
    } catch (error) {
      const err = toSlipwayError(error);
      if (err.fault === 'server') this.#log.error({ err: error, requestId }, 'operation failed');
      sendQueryError(res, err, requestId);
      return scope?.service ?? '';
    }
  }
}
