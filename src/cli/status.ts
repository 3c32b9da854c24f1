// `slipway status` and `slipway down`: read and act through the daemon's API.
import type { DaemonStatus } from '../daemon/status.ts';
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

/** Asks the daemon to stop and waits until its port stops answering. */
export async function down(endpoint: string, out: (s: string) => void, timeoutMs = 30_000): Promise<number> {
  await callDaemon(endpoint, '/_slipway/shutdown', { method: 'POST' });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(`${endpoint}/_slipway/status`, { signal: AbortSignal.timeout(1000) });
    } catch {
      out('Slipway stopped.');
      return 0;
    }
    // Polling the port is the only signal a separate process gives us here.
    await new Promise((r) => setTimeout(r, 100));
  }
  out(`Slipway at ${endpoint} did not stop within ${timeoutMs / 1000}s.`);
  return 1;
}
