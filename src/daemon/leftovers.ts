// What outlives a stop of Slipway by design (task containers, the load balancer's data plane), ended on request.
import type { Logger } from '../core/log.ts';
import { ProcessDataPlane } from '../engines/load-balancer/plane-client.ts';
import { LABELS, type ContainerRuntime } from '../runtime/types.ts';
import { Store } from '../store/db.ts';

/** Removes every container labelled as started by this Slipway instance; returns how many. */
export async function removeOwnContainers(runtime: ContainerRuntime, instanceId: string, log: Logger): Promise<number> {
  const mine = await runtime.list({ [LABELS.owner]: instanceId });
  for (const c of mine) {
    await runtime.remove(c.id, { force: true }).catch((error: unknown) => log.warn({ err: error, container: c.id }, 'could not remove a container'));
  }
  return mine.length;
}

/** Ends the data plane a stopped daemon left on this data dir: the pid it had, or undefined when none was running. */
export function endDataPlane(dataDir: string, log: Logger): Promise<number | undefined> {
  return new ProcessDataPlane({ dataDir, log, onHealth: () => undefined, onLost: () => undefined }).endRunning();
}

/** The instance id a data dir's daemon labels its containers with, read from its store; undefined for a new data dir. */
export function instanceIdOf(dataDir: string): string | undefined {
  const store = new Store(dataDir);
  try {
    return store.getKv<string>('instance-id');
  } finally {
    store.close();
  }
}
