// Loopback addresses for awsvpc tasks: each task gets its own 127.x.y.z (Linux routes all of 127/8 to lo).
import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../services/types.ts';
import { str } from '../../store/db.ts';

/**
 * The second octet comes from the instance id, so two Slipways on one machine (parallel test daemons) rarely meet.
 * Within an instance a cursor walks the /16, so a stopped task's address is not handed out again at once (its
 * target may still be draining in the load balancer); addresses live tasks hold, or in `avoid` (failed to bind), are skipped.
 */
export function allocateAddress(ctx: ServiceContext, instanceId: string, avoid: ReadonlySet<string> = new Set()): string {
  const second = 32 + ((createHash('sha256').update(instanceId).digest()[0] ?? 0) % 200);
  const used = new Set(ctx.store.all("SELECT address FROM ecs_tasks WHERE last_status != 'STOPPED' AND address IS NOT NULL").map((r) => str(r, 'address')));
  const size = 256 * 253;
  const cursor = ctx.store.getKv<number>('scheduler.address-cursor') ?? 0;
  for (let i = 0; i < size; i++) {
    const n = (cursor + i) % size;
    const candidate = `127.${second}.${Math.floor(n / 253)}.${(n % 253) + 2}`;
    if (used.has(candidate) || avoid.has(candidate)) continue;
    ctx.store.setKv('scheduler.address-cursor', (n + 1) % size);
    return candidate;
  }
  throw new Error(`no free loopback address left in 127.${second}.0.0/16`);
}

/** Whether a start failure means the address or port could not be bound (then another address, or the fallback, is tried). */
export function isBindFailure(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /address already in use|cannot assign requested address|bind|could not bind|port is already allocated/i.test(text);
}
