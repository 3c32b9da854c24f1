// A bounded load generator for end-to-end tests: N keep-alive loops against one URL, counting answers by body and failures.
import { Agent, request } from 'node:http';

export interface LoadStats {
  readonly total: number;
  readonly failed: number;
  /** Answers by the `version` field of their JSON body (the example app's GET /). */
  readonly versions: Readonly<Record<string, number>>;
  /** The first few failures, for the assertion message. */
  readonly failures: readonly string[];
}

export interface Load {
  /** Resolves after at least `n` more requests have completed. */
  after(n: number): Promise<void>;
  /** The counts so far, without stopping (subtract two snapshots to measure an interval). */
  snapshot(): LoadStats;
  stop(): Promise<LoadStats>;
}

function once(url: URL, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 10 s')));
    req.on('error', reject);
    req.end();
  });
}

/** Starts `connections` loops sending GET `url` back to back until stop(). */
export function startLoad(url: string, connections = 4): Load {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let running = true;
  let total = 0;
  let failed = 0;
  const versions: Record<string, number> = {};
  const failures: string[] = [];
  const waiters: { at: number; resolve: () => void }[] = [];
  const settle = (): void => {
    for (const w of [...waiters]) {
      if (total < w.at) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const { status, body } = await once(target, agent);
        if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
        const version = (JSON.parse(body) as { version?: unknown }).version;
        versions[String(version)] = (versions[String(version)] ?? 0) + 1;
      } catch (error) {
        failed++;
        if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
      }
      total++;
      settle();
    }
  };
  const loops = Array.from({ length: connections }, () => loop());
  return {
    after: (n) => new Promise((resolve) => {
      waiters.push({ at: total + n, resolve });
      settle();
    }),
    snapshot: () => ({ total, failed, versions: { ...versions }, failures: [...failures] }),
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return { total, failed, versions: { ...versions }, failures };
    },
  };
}
