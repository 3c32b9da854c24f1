// Test helpers for ELBv2: a per-file daemon fixture, model-shape checks of SDK and CLI outputs, tiny HTTP targets on loopback.
import { createServer, request, type Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

export { freePort } from '../../../test/helpers/ports.ts';

const model = loadModel('elbv2.2015-12-01');

/** Dates (SDK) and ISO strings (CLI) become epoch seconds, as checkShape expects timestamps. */
function normalise(value: unknown, key = ''): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === 'string' && key === 'CreatedTime') return Date.parse(value) / 1000;
  if (Array.isArray(value)) return value.map((v) => normalise(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== '$metadata').map(([k, v]) => [k, normalise(v, k)]));
  }
  return value;
}

/** Problems of an operation's output (from the SDK or `aws --output json`) against the model's output shape. */
export function outputProblems(operation: string, output: unknown): string[] {
  const shape = model.operations[operation]?.output?.shape;
  if (shape === undefined) return [`model has no output for ${operation}`];
  return checkShape(model, shape, normalise(output));
}

export interface TestTarget {
  readonly port: number;
  /** Requests served, by path. */
  readonly hits: number;
  /** Status the target answers with from now on (health checks included). */
  setStatus(status: number): void;
  /** Holds the next request (not a health check) until released: `arrived` resolves when it is in. */
  holdNext(): { arrived: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 answering `<name>` with the set status. */
export async function startTarget(name: string): Promise<TestTarget> {
  let status = 200;
  let hits = 0;
  let hold: { arrived: () => void; released: Promise<void> } | undefined;
  const server: Server = createServer((req, res) => {
    const answer = (): void => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(name);
    };
    req.resume();
    if (req.headers['user-agent'] === 'ELB-HealthChecker/2.0') {
      answer();
      return;
    }
    hits++;
    const held = hold;
    hold = undefined;
    if (held === undefined) answer();
    else {
      held.arrived();
      void held.released.then(answer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get hits() {
      return hits;
    },
    setStatus(s) {
      status = s;
    },
    holdNext() {
      let arrived = (): void => undefined;
      let release = (): void => undefined;
      const arrivedP = new Promise<void>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { arrived, released };
      return { arrived: arrivedP, release };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The error a call fails with; fails the test when it succeeds. */
export async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`expected an Error, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** Key/Value attribute lists as a plain map. */
export function attributeMap(list: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
}

/** One GET (on a fresh connection unless an agent is given): status and body, or the error's code as status 0. */
export function get(port: number, path = '/', agent: Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ status: 0, body: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, body: err.code ?? err.message }));
    req.end();
  });
}

export interface ElbFixture {
  /** The test daemon (named `t` as in the other service tests). */
  readonly t: TestDaemon;
  readonly elb: ElasticLoadBalancingV2Client;
  /** Starts a test target that is closed after the file's tests. */
  target(name: string): Promise<TestTarget>;
}

/** One test daemon and ELBv2 client for a test file: started in its before hook, stopped (with its targets) in its after hook. */
export function elbFixture(): ElbFixture {
  let daemon: TestDaemon | undefined;
  let elb: ElasticLoadBalancingV2Client | undefined;
  const targets: TestTarget[] = [];
  before(async () => {
    daemon = await startTestDaemon();
    elb = new ElasticLoadBalancingV2Client(daemon.sdk);
  });
  after(async () => {
    elb?.destroy();
    await daemon?.stop();
    await Promise.all(targets.map((x) => x.close()));
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('elbFixture: used outside the tests (its before hook has not run)');
    return value;
  };
  return {
    get t() {
      return started(daemon);
    },
    get elb() {
      return started(elb);
    },
    async target(name) {
      const x = await startTarget(name);
      targets.push(x);
      return x;
    },
  };
}
