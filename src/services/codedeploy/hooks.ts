// Registered hooks: what an appspec hook's Lambda function name means on Slipway (an HTTP endpoint, a command, or a container).
import { SlipwayError } from '../../core/errors.ts';
import type { Migration } from '../../store/db.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

export type HookKind = 'http' | 'command' | 'container';

export interface HookRegistration {
  /** The Lambda function name the appspec's Hooks section uses (an ARN in the appspec resolves to this name). */
  readonly name: string;
  readonly kind: HookKind;
  /** The URL (http), the shell command (command) or the image (container). */
  readonly target: string;
  /** How long the deployment waits for the verdict; AWS's hooks have one hour. */
  readonly timeoutSeconds: number;
  readonly createTime: number;
}

export const HOOK_TIMEOUT_SECONDS = 3600;

export const hookMigrations: readonly Migration[] = [
  {
    id: 'codedeploy/002-hooks',
    sql: `CREATE TABLE codedeploy_hooks (
      name TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      target TEXT NOT NULL,
      timeout_seconds INTEGER NOT NULL,
      create_time INTEGER NOT NULL
    );`,
  },
];

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The function name of an appspec hook reference: `Name`, `Name:alias`, `arn:aws:lambda:region:account:function:Name[:alias]`
 * or `account:function:Name` all name `Name`, as Lambda resolves them.
 */
export function hookNameOf(reference: string): string {
  const parts = reference.split(':');
  const at = parts.indexOf('function');
  return (at >= 0 ? parts[at + 1] : parts[0]) ?? reference;
}

/** Validates and stores a registration (replacing one of the same name); every problem is reported at once. */
export function putHook(ctx: ServiceContext, input: { name?: unknown; url?: unknown; command?: unknown; image?: unknown; timeoutSeconds?: unknown }): HookRegistration {
  const problems: string[] = [];
  const name = typeof input.name === 'string' ? input.name : '';
  if (!NAME.test(name)) problems.push(`name: found ${JSON.stringify(input.name)}, expected a Lambda function name (1-64 letters, digits, - or _) as the appspec's Hooks name it`);
  const given = (['url', 'command', 'image'] as const).filter((k) => input[k] !== undefined);
  if (given.length !== 1) problems.push(`found ${given.length === 0 ? 'none' : given.join(' and ')} of url, command, image; expected exactly one`);
  for (const k of given) if (typeof input[k] !== 'string' || input[k] === '') problems.push(`${k}: found ${JSON.stringify(input[k])}, expected a non-empty string`);
  if (typeof input.url === 'string' && !/^https?:\/\/[^/]+/.test(input.url)) problems.push(`url: found "${input.url}", expected an http:// or https:// URL`);
  const timeout = input.timeoutSeconds ?? HOOK_TIMEOUT_SECONDS;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1 || timeout > HOOK_TIMEOUT_SECONDS) {
    problems.push(`timeoutSeconds: found ${JSON.stringify(timeout)}, expected a whole number of seconds from 1 to ${HOOK_TIMEOUT_SECONDS}`);
  }
  if (problems.length > 0) throw new SlipwayError('InvalidHook', `The hook registration is not valid:\n- ${problems.join('\n- ')}`);
  const kind: HookKind = given[0] === 'url' ? 'http' : given[0] === 'command' ? 'command' : 'container';
  const hook: HookRegistration = { name, kind, target: String(input[given[0] ?? 'url']), timeoutSeconds: Number(timeout), createTime: ctx.clock.now() };
  ctx.store.tx(() => {
    ctx.store.run(
      `INSERT INTO codedeploy_hooks (name, kind, target, timeout_seconds, create_time) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, target = excluded.target, timeout_seconds = excluded.timeout_seconds, create_time = excluded.create_time`,
      hook.name,
      hook.kind,
      hook.target,
      hook.timeoutSeconds,
      hook.createTime,
    );
    ctx.bus.publish({ type: 'codedeploy.hook.registered', resource: hook.name, detail: { name: hook.name, kind: hook.kind } });
  });
  return hook;
}

function hookOf(row: Row): HookRegistration {
  return { name: str(row, 'name'), kind: str(row, 'kind') as HookKind, target: str(row, 'target'), timeoutSeconds: num(row, 'timeout_seconds'), createTime: num(row, 'create_time') };
}

/** The registration an appspec hook reference resolves to, if any. */
export function findHook(ctx: ServiceContext, reference: string): HookRegistration | undefined {
  const row = ctx.store.get('SELECT * FROM codedeploy_hooks WHERE name = ?', hookNameOf(reference));
  return row === undefined ? undefined : hookOf(row);
}

export function listHooks(ctx: ServiceContext): HookRegistration[] {
  return ctx.store.all('SELECT * FROM codedeploy_hooks ORDER BY name').map(hookOf);
}

export function deleteHook(ctx: ServiceContext, name: string): boolean {
  return ctx.store.tx(() => {
    const removed = ctx.store.run('DELETE FROM codedeploy_hooks WHERE name = ?', name).changes > 0;
    if (removed) ctx.bus.publish({ type: 'codedeploy.hook.deleted', resource: name, detail: { name } });
    return removed;
  });
}
