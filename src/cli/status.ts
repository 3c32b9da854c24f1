// `slipway status` and `slipway down`: read and act through the daemon's API.
import type { DaemonStatus } from '../daemon/status.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../core/log.ts';
import { endpointUrl } from '../core/config.ts';
import { endDataPlane, instanceIdOf, removeOwnContainers } from '../daemon/leftovers.ts';
import { isAlive, readDaemonLock } from '../daemon/lock.ts';
import { connectRuntime } from '../runtime/engine.ts';
import { LABELS } from '../runtime/types.ts';
import { callDaemon } from './client.ts';

export function renderStatus(status: DaemonStatus): string {
  const width = Math.max(...status.components.map((c) => c.name.length));
  const lines = [
    `Slipway ${status.version} at ${status.endpoint} (pid ${status.pid}, up ${status.uptimeSeconds}s)`,
    `data dir ${status.dataDir}, account ${status.accountId}, region ${status.region}`,
    ...status.components.map((c) => `  ${c.name.padEnd(width)}  ${c.status.padEnd(9)}  ${c.detail}`),
  ];
  return lines.join('\n');
}

/** Exit code: 0 when every component is Healthy (or deliberately stopped), 2 when one is not. */
export async function status(endpoint: string, json: boolean, out: (s: string) => void): Promise<number> {
  const res = await callDaemon(endpoint, '/_slipway/status');
  const body = (await res.json()) as DaemonStatus;
  out(json ? JSON.stringify(body, null, 2) : renderStatus(body));
  return body.components.every((c) => c.status === 'Healthy' || c.status === 'Stopped') ? 0 : 2;
}

/**
 * Asks the daemon to stop and waits until its port stops answering. With `all`, the load balancer's data plane and the
 * task containers end too; when no daemon runs, they are ended directly (what a stopped daemon left on `dataDir`).
 */
export async function down(endpoint: string, out: (s: string) => void, options: { all?: boolean; dataDir?: string; timeoutMs?: number } = {}): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (options.all === true && options.dataDir !== undefined && !(await answers(endpoint))) return endLeftovers(options.dataDir, out);
  await callDaemon(endpoint, `/_slipway/shutdown${options.all === true ? '?all=true' : ''}`, { method: 'POST' });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await answers(endpoint))) {
      out(options.all === true ? 'Slipway stopped, with its load balancer and containers.' : 'Slipway stopped.');
      return 0;
    }
    // Polling the port is the only signal a separate process gives us here.
    await new Promise((r) => setTimeout(r, 100));
  }
  out(`Slipway at ${endpoint} did not stop within ${timeoutMs / 1000}s.`);
  return 1;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(`${endpoint}/_slipway/status`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** No daemon runs: ends the data plane and removes the containers the last one left on the data dir. */
async function endLeftovers(dataDir: string, out: (s: string) => void): Promise<number> {
  const lock = readDaemonLock(dataDir);
  if (lock !== undefined && lock.pid !== process.pid && isAlive(lock.pid)) {
    // Its daemon would take the plane back at once: the two would fight over it.
    out(`A Slipway daemon (pid ${lock.pid}) holds ${dataDir} but does not answer at ${endpointUrl(lock)}; stop it first.`);
    return 1;
  }
  const log = silentLogger();
  const pid = await endDataPlane(dataDir, log);
  out(pid === undefined ? 'No load balancer data plane was running.' : `Stopped the load balancer data plane (pid ${pid}).`);
  const instanceId = existsSync(join(dataDir, 'state.sqlite')) ? instanceIdOf(dataDir) : undefined;
  if (instanceId === undefined) return 0;
  let runtime;
  try {
    runtime = await connectRuntime();
  } catch (error) {
    out(`No container engine answers (${(error as Error).message}); containers labelled ${LABELS.owner}=${instanceId} are left.`);
    return 1;
  }
  try {
    const removed = await removeOwnContainers(runtime, instanceId, log);
    out(`Removed ${removed} container(s) Slipway started.`);
    return 0;
  } finally {
    await runtime.close();
  }
}
