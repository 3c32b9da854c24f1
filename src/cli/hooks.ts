// `slipway hooks put | list | delete`: the hooks an appspec's Hooks section names (Lambda functions on AWS) resolve to.
import { SlipwayError } from '../core/errors.ts';
import { callDaemon } from './client.ts';

export interface HookTarget {
  readonly url?: string;
  readonly command?: string;
  readonly image?: string;
  readonly timeout?: number;
}

interface Registration {
  readonly name: string;
  readonly kind: string;
  readonly target: string;
  readonly timeoutSeconds: number;
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw new SlipwayError(body.code ?? 'HookError', body.message ?? `HTTP ${res.status}`);
  return body;
}

function line(h: Registration): string {
  return `${h.name.padEnd(32)} ${h.kind.padEnd(9)} ${h.target}  (timeout ${h.timeoutSeconds}s)`;
}

export async function hooksPut(endpoint: string, name: string, target: HookTarget, out: (line: string) => void): Promise<number> {
  const body = { ...(target.url === undefined ? {} : { url: target.url }), ...(target.command === undefined ? {} : { command: target.command }), ...(target.image === undefined ? {} : { image: target.image }), ...(target.timeout === undefined ? {} : { timeoutSeconds: target.timeout }) };
  const res = await callDaemon(endpoint, `/_slipway/hooks/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  out(`Registered ${line(await answer<Registration>(res))}`);
  return 0;
}

export async function hooksList(endpoint: string, out: (line: string) => void): Promise<number> {
  const { hooks } = await answer<{ hooks: Registration[] }>(await callDaemon(endpoint, '/_slipway/hooks/'));
  if (hooks.length === 0) out('No hooks registered: appspec hooks wait for PutLifecycleEventHookExecutionStatus.');
  for (const h of hooks) out(line(h));
  return 0;
}

export async function hooksDelete(endpoint: string, name: string, out: (line: string) => void): Promise<number> {
  await answer(await callDaemon(endpoint, `/_slipway/hooks/${encodeURIComponent(name)}`, { method: 'DELETE' }));
  out(`Deleted hook ${name}.`);
  return 0;
}
