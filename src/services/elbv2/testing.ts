// Test helpers for ELBv2: model-shape checks of SDK and CLI outputs, tiny HTTP targets on loopback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkShape, loadModel } from '../../../test/helpers/aws-model.ts';

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
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 answering `<name>` with the set status. */
export async function startTarget(name: string): Promise<TestTarget> {
  let status = 200;
  let hits = 0;
  const server: Server = createServer((req, res) => {
    if (req.headers['user-agent'] !== 'ELB-HealthChecker/2.0') hits++;
    req.resume();
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(name);
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
