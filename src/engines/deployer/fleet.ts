// What a deployment does to the world, through ECS's and ELBv2's own operations: task sets, listener weights, health.
import type { TaskSet } from '@aws-sdk/client-ecs';
import { uuid } from '../../core/ids.ts';
import { createTaskSet, deleteTaskSet, describeTaskSets, updateServicePrimaryTaskSet } from '../../services/ecs/task-sets.ts';
import { findListener, modifyListener, ROUTING_APPLIED_EVENT } from '../../services/elbv2/listeners.ts';
import { describeTargetGroups } from '../../services/elbv2/target-groups.ts';
import { describeTargetHealth } from '../../services/elbv2/targets.ts';
import type { OperationContext, ServiceContext } from '../../services/types.ts';
import { waitFor } from '../../core/wait.ts';

export interface Weight {
  readonly targetGroupArn: string;
  readonly weight: number;
}

export interface GreenTaskSetInput {
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinition: string;
  readonly targetGroupArn: string;
  readonly containerName: string;
  readonly containerPort: number;
  readonly deploymentId: string;
  readonly awsvpcConfiguration?: { subnets: string[]; securityGroups: string[]; assignPublicIp: 'ENABLED' | 'DISABLED' };
  readonly platformVersion?: string;
}

/** How long a listener change may take to be applied by the load balancer engine before the step fails. */
const ROUTING_TIMEOUT_MS = 30_000;

/** What the driver needs from ECS and ELBv2; `Fleet` is the real one, tests give a fake. */
export interface FleetPort {
  targetGroupArn(name: string): string;
  weights(listenerArn: string): Weight[];
  route(listenerArn: string, weights: readonly Weight[], signal: AbortSignal): Promise<void>;
  taskSets(cluster: string, service: string): TaskSet[];
  taskSet(cluster: string, service: string, taskSetArn: string): TaskSet | undefined;
  createGreen(input: GreenTaskSetInput): TaskSet;
  promote(cluster: string, service: string, taskSetArn: string): void;
  /** The health of the targets registered in a group (deregistered and draining ones excluded). */
  targetHealth(targetGroupArn: string): { id: string; port?: number; state: string }[];
  remove(cluster: string, service: string, taskSetArn: string): void;
}

export class Fleet implements FleetPort {
  readonly #ctx: ServiceContext;

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  #op(): OperationContext {
    return { ...this.#ctx, request: { requestId: uuid() } };
  }

  targetGroupArn(name: string): string {
    const found = describeTargetGroups({ Names: [name] }, this.#op()).TargetGroups?.[0]?.TargetGroupArn;
    if (found === undefined) throw new Error(`target group ${name} does not exist`);
    return found;
  }

  /** The listener's forward weights as stored (what the load balancer applies). */
  weights(listenerArn: string): Weight[] {
    const listener = findListener(this.#ctx, listenerArn);
    if (listener === undefined) throw new Error(`listener ${listenerArn} does not exist`);
    return listener.forward.targetGroups.map((t) => ({ targetGroupArn: t.arn, weight: t.weight }));
  }

  /** Sets a listener's default forward weights and resolves once the load balancer engine has applied them. */
  async route(listenerArn: string, weights: readonly Weight[], signal: AbortSignal): Promise<void> {
    const wanted = weights.filter((w) => w.weight > 0 || weights.length > 1);
    const same = (applied: unknown): boolean => {
      if (!Array.isArray(applied)) return false;
      const got = new Map((applied as { targetGroupArn: string; weight: number }[]).map((t) => [t.targetGroupArn, t.weight]));
      return wanted.every((w) => (got.get(w.targetGroupArn) ?? 0) === w.weight);
    };
    const current = this.weights(listenerArn);
    if (current.length === wanted.length && same(current)) return;
    const cancel = new AbortController();
    const waiting = waitFor(this.#ctx, {
      on: (e) => e.type === ROUTING_APPLIED_EVENT && e.resource === listenerArn,
      check: (e) => (e !== undefined && same(e.detail['targetGroups']) ? true : undefined),
      timeoutMs: ROUTING_TIMEOUT_MS,
      what: `listener ${listenerArn} applying weights ${wanted.map((w) => w.weight).join('/')}`,
      signal: AbortSignal.any([signal, cancel.signal]),
    });
    try {
      modifyListener(
        {
          ListenerArn: listenerArn,
          DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: wanted.map((w) => ({ TargetGroupArn: w.targetGroupArn, Weight: w.weight })) } }],
        },
        this.#op(),
      );
    } catch (error) {
      cancel.abort();
      waiting.catch(() => {});
      throw error;
    }
    await waiting;
  }

  taskSets(cluster: string, service: string): TaskSet[] {
    return describeTaskSets({ cluster, service }, this.#op()).taskSets ?? [];
  }

  taskSet(cluster: string, service: string, taskSetArn: string): TaskSet | undefined {
    return describeTaskSets({ cluster, service, taskSets: [taskSetArn] }, this.#op()).taskSets?.[0];
  }

  createGreen(input: GreenTaskSetInput): TaskSet {
    const created = createTaskSet(
      {
        cluster: input.cluster,
        service: input.service,
        taskDefinition: input.taskDefinition,
        externalId: input.deploymentId,
        loadBalancers: [{ targetGroupArn: input.targetGroupArn, containerName: input.containerName, containerPort: input.containerPort }],
        scale: { unit: 'PERCENT', value: 100 },
        ...(input.awsvpcConfiguration === undefined ? {} : { networkConfiguration: { awsvpcConfiguration: input.awsvpcConfiguration } }),
        ...(input.platformVersion === undefined ? {} : { platformVersion: input.platformVersion }),
      },
      this.#op(),
    ).taskSet;
    if (created === undefined) throw new Error(`CreateTaskSet for ${input.service} returned no task set`);
    return created;
  }

  promote(cluster: string, service: string, taskSetArn: string): void {
    updateServicePrimaryTaskSet({ cluster, service, primaryTaskSet: taskSetArn }, this.#op());
  }

  targetHealth(targetGroupArn: string): { id: string; port?: number; state: string }[] {
    return describeTargetHealth(this.#ctx, targetGroupArn).filter((t) => t.state !== 'draining' && t.reason !== 'Target.NotRegistered');
  }

  remove(cluster: string, service: string, taskSetArn: string): void {
    deleteTaskSet({ cluster, service, taskSet: taskSetArn, force: true }, this.#op());
  }
}
