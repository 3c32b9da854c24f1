// Starts a real daemon for a test on a free port and a fresh data dir, and cleans both up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeConfig, type SlipwayConfig } from '../../src/core/config.ts';
import { createLogger, silentLogger } from '../../src/core/log.ts';
import pino from 'pino';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.ts';

export interface TestDaemon {
  readonly daemon: Daemon;
  readonly endpoint: string;
  readonly dataDir: string;
  /** Fake credentials: Slipway accepts any key; SDK clients still need some to sign. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Configuration for any AWS SDK v3 client: `new ECRClient(t.sdk)`. */
  readonly sdk: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Stops the daemon for good: the load balancer's data plane ends with it (a restart test stops `daemon` instead). */
  stop(): Promise<void>;
}

/** Silent, unless SLIPWAY_TEST_LOG names a file: then the daemon's log (level SLIPWAY_LOG_LEVEL, default info) goes there, for debugging. */
function testLogger(): ReturnType<typeof silentLogger> {
  const file = process.env['SLIPWAY_TEST_LOG'];
  return file === undefined || file === '' ? silentLogger() : createLogger({ destination: pino.destination({ dest: file, append: true, sync: true }) });
}

export async function startTestDaemon(options: Partial<DaemonOptions> & { dataDir?: string; settings?: Partial<SlipwayConfig> } = {}): Promise<TestDaemon> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'slipway-test-'));
  const daemon = await Daemon.start({
    config: makeConfig({ ...options.settings, dataDir, port: 0, host: '127.0.0.1' }),
    log: options.log ?? testLogger(),
    runtime: options.runtime ?? 'none',
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.engines === undefined ? {} : { engines: options.engines }),
  });
  const credentials = { accessKeyId: 'AKIASLIPWAYTEST', secretAccessKey: 'slipway-test-secret' };
  return {
    daemon,
    endpoint: daemon.endpoint,
    dataDir,
    credentials,
    sdk: { endpoint: daemon.endpoint, region: 'us-east-1', credentials },
    async stop() {
      await daemon.stop('test finished', { final: true });
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls a JSON-protocol operation over raw HTTP and returns status and parsed body, for wire-level assertions. */
export async function callJson(
  endpoint: string,
  target: string,
  input: unknown,
  version = '1.1',
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': target },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

/**
 * Removes the containers a stopped daemon left running (task containers outlive a stop by design: the next start
 * adopts them), through a runtime connection of its own. Returns how many were removed.
 */
export async function removeContainersOf(instanceId: string): Promise<number> {
  const { connectRuntime } = await import('../../src/runtime/engine.ts');
  const { LABELS } = await import('../../src/runtime/types.ts');
  const runtime = await connectRuntime();
  try {
    const mine = await runtime.list({ [LABELS.owner]: instanceId });
    for (const c of mine) await runtime.remove(c.id, { force: true }).catch(() => undefined);
    return mine.length;
  } finally {
    await runtime.close();
  }
}
