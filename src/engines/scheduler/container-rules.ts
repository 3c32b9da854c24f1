// Pure rules over one task's containers: dependsOn readiness (AWS's START/COMPLETE/SUCCESS/HEALTHY) and the task's health.
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import type { HealthStatus, TaskContainer } from '../../services/ecs/task-store.ts';

/** `ready`, `wait`, or `never:<why>` for a container's dependsOn conditions. */
export function dependencyVerdict(def: ContainerDefinition, containers: readonly TaskContainer[], started: readonly string[]): string {
  for (const dep of def.dependsOn ?? []) {
    const c = containers.find((x) => x.name === (dep.containerName ?? ''));
    if (c === undefined) return `never:depends on unknown container ${dep.containerName ?? ''}`;
    const isStarted = started.includes(c.name);
    switch (dep.condition) {
      case 'START':
        if (!isStarted) return 'wait';
        break;
      case 'COMPLETE':
        if (c.lastStatus !== 'STOPPED') return 'wait';
        break;
      case 'SUCCESS':
        if (c.lastStatus !== 'STOPPED') return 'wait';
        if (c.exitCode !== 0) return `never:depends on ${c.name} succeeding, but it exited with ${c.exitCode ?? 'no code'}`;
        break;
      case 'HEALTHY':
        if (c.lastStatus === 'STOPPED') return `never:depends on ${c.name} being healthy, but it exited`;
        if (c.healthStatus === 'UNHEALTHY') return `never:depends on ${c.name} being healthy, but it is UNHEALTHY`;
        if (c.healthStatus !== 'HEALTHY') return 'wait';
        break;
      default:
        if (!isStarted) return 'wait';
    }
  }
  return 'ready';
}

/** The task's health: that of its essential containers with a health check (UNKNOWN when there are none). */
export function taskHealth(containers: readonly TaskContainer[], defs: ReadonlyMap<string, ContainerDefinition>): HealthStatus {
  const checked = containers.filter((c) => c.essential && defs.get(c.name)?.healthCheck !== undefined);
  if (checked.length === 0) return 'UNKNOWN';
  if (checked.some((c) => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY';
  return checked.every((c) => c.healthStatus === 'HEALTHY') ? 'HEALTHY' : 'UNKNOWN';
}
