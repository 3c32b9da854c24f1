// Loopback addresses for awsvpc tasks: each task gets its own 127.x.y.z (Linux routes all of 127/8 to lo).
import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../services/types.ts';
import { str } from '../../store/db.ts';

/**
 * The second octet comes from the instance id, so two Slipways on one machine (parallel test daemons) rarely meet;
 * within an instance the lowest address no live task holds is taken. `avoid` holds addresses that failed to bind.
 */
export function allocateAddress(ctx: ServiceContext, instanceId: string, avoid: ReadonlySet<string> = new Set()): string {
  const second = 32 + (createHash('sha256').update(instanceId).digest()[0] ?? 0) % 200;
  const used = new Set(ctx.store.all("SELECT address FROM ecs_tasks WHERE last_status != 'STOPPED' AND address IS NOT NULL").map((r) => str(r, 'address')));
  for (let third = 0; third < 256; third++) {
    for (let fourth = 2; fourth < 255; fourth++) {
      const candidate = `127.${second}.${third}.${fourth}`;
      if (!used.has(candidate) && !avoid.has(candidate)) return candidate;
    }
  }
  throw new Error(`no free loopback address left in 127.${second}.0.0/16`);
}

/** Whether a start failure means the address or port could not be bound (then another address, or the fallback, is tried). */
export function isBindFailure(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /address already in use|cannot assign requested address|bind|could not bind|port is already allocated/i.test(text);
}
