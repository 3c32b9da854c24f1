// The awslogs driver: a container's stdout/stderr lines into CloudWatch Logs stream <prefix>/<container>/<task id>.
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { Clock } from '../../core/clock.ts';
import type { ContainerRuntime } from '../../runtime/types.ts';
import { appendLogEvents } from '../../services/logs/index.ts';
import type { ServiceContext } from '../../services/types.ts';

export interface LogTarget {
  readonly group: string;
  readonly stream: string;
}

/** Where awslogs options send a container's output; undefined for other drivers or without a group. */
export function awslogsTarget(def: ContainerDefinition, taskId: string): LogTarget | undefined {
  const config = def.logConfiguration;
  if (config?.logDriver !== 'awslogs') return undefined;
  const group = config.options?.['awslogs-group'];
  if (group === undefined || group === '') return undefined;
  const prefix = config.options?.['awslogs-stream-prefix'];
  const name = def.name ?? 'container';
  return { group, stream: prefix === undefined || prefix === '' ? `${name}/${taskId}` : `${prefix}/${name}/${taskId}` };
}

/** Follows the container's output until it ends or the signal aborts; each chunk's complete lines become one batch. */
export async function shipLogs(
  ctx: ServiceContext & { clock: Clock },
  runtime: ContainerRuntime,
  containerId: string,
  target: LogTarget,
  signal: AbortSignal,
  sinceSeconds?: number,
): Promise<void> {
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const flush = (lines: string[]): void => {
    if (lines.length === 0) return;
    const timestamp = ctx.clock.now();
    try {
      appendLogEvents(ctx, target.group, target.stream, lines.map((message) => ({ timestamp, message })));
    } catch (error) {
      ctx.log.warn({ group: target.group, stream: target.stream, error: String(error) }, 'task logs could not be stored');
    }
  };
  try {
    for await (const chunk of runtime.logs(containerId, { follow: true, signal, ...(sinceSeconds === undefined ? {} : { since: sinceSeconds }) })) {
      const text = partial[chunk.stream] + chunk.data.toString('utf8');
      const parts = text.split('\n');
      partial[chunk.stream] = parts.pop() ?? '';
      flush(parts.map((l) => l.replace(/\r$/, '')));
    }
  } catch {
    // The stream ends with the container or the abort; what was read is stored.
  }
  flush([partial.stdout, partial.stderr].filter((l) => l !== ''));
}
