// Invokes a registered hook for a lifecycle event: POST to an HTTP endpoint, a shell command, or a container.
import { spawn } from 'node:child_process';
import type { HookRegistration } from '../../services/codedeploy/hooks.ts';
import type { EngineContext } from '../types.ts';

/** What invoking a hook needs from the engine: where Slipway answers, the region, and the container runtime. */
export type HookContext = Pick<EngineContext, 'endpoint' | 'config' | 'runtime'>;

export interface HookCall {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
  readonly lifecycleEventName: string;
}

/** A verdict given by the invocation itself; none means the hook reports later through PutLifecycleEventHookExecutionStatus. */
export interface HookVerdict {
  readonly status: 'Succeeded' | 'Failed';
  readonly message: string;
}

const TAIL = 600;

function tail(text: string): string {
  const t = text.trim();
  return t.length <= TAIL ? t : `…${t.slice(-TAIL)}`;
}

/** The values a hook gets, named as the Lambda event's fields, plus what it needs to call Slipway back with the AWS CLI or SDK. */
function environment(ctx: HookContext, call: HookCall): Record<string, string> {
  return {
    DeploymentId: call.deploymentId,
    LifecycleEventHookExecutionId: call.lifecycleEventHookExecutionId,
    LifecycleEventName: call.lifecycleEventName,
    AWS_ENDPOINT_URL: ctx.endpoint(),
    AWS_REGION: ctx.config.region,
    AWS_DEFAULT_REGION: ctx.config.region,
    AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'slipway',
    AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'slipway',
  };
}

/**
 * HTTP: POSTs `{DeploymentId, LifecycleEventHookExecutionId}` (the Lambda event's shape). A 2xx answer with a JSON body
 * `{"status": "Succeeded" | "Failed"}` is the verdict inline; any other 2xx means the endpoint reports later.
 */
async function invokeHttp(hook: HookRegistration, call: HookCall, signal: AbortSignal): Promise<HookVerdict | undefined> {
  let res: Response;
  try {
    res = await fetch(hook.target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ DeploymentId: call.deploymentId, LifecycleEventHookExecutionId: call.lifecycleEventHookExecutionId }),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    return { status: 'Failed', message: `The hook ${hook.name} (POST ${hook.target}) could not be reached: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}` };
  }
  const text = await res.text();
  if (res.status < 200 || res.status > 299) return { status: 'Failed', message: `The hook ${hook.name} (POST ${hook.target}) answered ${res.status}: ${tail(text)}` };
  let status: unknown;
  try {
    status = (JSON.parse(text) as { status?: unknown }).status;
  } catch {
    return undefined;
  }
  if (status === 'Succeeded' || status === 'Failed') return { status, message: `The hook ${hook.name} answered ${status}` };
  return undefined;
}

/** How long a command hook's processes get after SIGTERM (timeout, stopped deployment, Slipway stopping) before SIGKILL. */
const KILL_GRACE_MS = 5000;

/**
 * Command: `sh -c` on this machine, in a process group of its own so that everything it starts is stopped with it;
 * exit 0 is Succeeded, anything else Failed (unless it reported itself first).
 */
function invokeCommand(ctx: HookContext, hook: HookRegistration, call: HookCall, signal: AbortSignal): Promise<HookVerdict> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', hook.target], { env: { ...process.env, ...environment(ctx, call) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const group = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    };
    let killer: NodeJS.Timeout | undefined;
    const abort = (): void => {
      group('SIGTERM');
      killer = setTimeout(() => group('SIGKILL'), KILL_GRACE_MS);
      killer.unref();
    };
    signal.addEventListener('abort', abort, { once: true });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-4 * TAIL);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ status: 'Failed', message: `The hook ${hook.name} could not run: ${error.message}` }));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', abort);
      if (killer !== undefined) clearTimeout(killer);
      if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('hook stopped'));
      else if (code === 0) resolve({ status: 'Succeeded', message: `The hook ${hook.name} exited 0` });
      else resolve({ status: 'Failed', message: `The hook ${hook.name} (${hook.target}) exited ${code ?? sig ?? '?'}${output.trim() === '' ? '' : `: ${tail(output)}`}` });
    });
  });
}

/** Container: the image runs on the host network (so it reaches Slipway's endpoint); exit status as for a command. */
async function invokeContainer(ctx: HookContext, hook: HookRegistration, call: HookCall, signal: AbortSignal): Promise<HookVerdict> {
  const runtime = await ctx.runtime();
  const id = await runtime.create({
    image: hook.target,
    env: environment(ctx, call),
    network: 'host',
    labels: { 'dev.slipway.role': 'codedeploy-hook', 'dev.slipway.deployment-id': call.deploymentId },
  });
  try {
    await runtime.start(id);
    const { exitCode } = await runtime.wait(id, { signal });
    return exitCode === 0 ? { status: 'Succeeded', message: `The hook ${hook.name} exited 0` } : { status: 'Failed', message: `The hook ${hook.name} (container ${hook.target}) exited ${exitCode}` };
  } finally {
    await runtime.remove(id, { force: true }).catch(() => undefined);
  }
}

export function invokeHook(ctx: HookContext, hook: HookRegistration, call: HookCall, signal: AbortSignal): Promise<HookVerdict | undefined> {
  if (hook.kind === 'http') return invokeHttp(hook, call, signal);
  if (hook.kind === 'command') return invokeCommand(ctx, hook, call, signal);
  return invokeContainer(ctx, hook, call, signal);
}
