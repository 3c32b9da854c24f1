// The scheduler's seam to the load balancer: register, deregister and read target health (ELBv2's functions in Slipway).
import { deregisterTargets, describeTargetHealth, registerTargets } from '../../services/elbv2/targets.ts';
import type { ServiceContext } from '../../services/types.ts';

export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused';

export interface Target {
  readonly id: string;
  readonly port: number;
}

/** What the scheduler needs from a load balancer: small enough for a fake in unit tests. */
export interface LoadBalancerTargets {
  register(targetGroupArn: string, targets: readonly Target[]): void;
  deregister(targetGroupArn: string, targets: readonly Target[]): void;
  /** The state of each given target (`unused` when not registered). */
  health(targetGroupArn: string, targets: readonly Target[]): Array<Target & { state: TargetHealthState }>;
}

/** The real one: Slipway's ELBv2 target store, which the load-balancer engine probes and routes by. */
export function elbv2Targets(ctx: ServiceContext): LoadBalancerTargets {
  return {
    register: (tg, targets) => registerTargets(ctx, tg, targets),
    deregister: (tg, targets) => deregisterTargets(ctx, tg, targets),
    health: (tg, targets) => describeTargetHealth(ctx, tg, targets).map((h) => ({ id: h.id, port: h.port, state: h.state })),
  };
}

/** An in-memory load balancer for unit tests: targets become `healthy` as registered unless told otherwise. */
export class FakeTargets implements LoadBalancerTargets {
  readonly groups = new Map<string, Map<string, TargetHealthState>>();
  /** Health given to newly registered targets. */
  initialState: TargetHealthState = 'healthy';

  register(targetGroupArn: string, targets: readonly Target[]): void {
    const g = this.#group(targetGroupArn);
    for (const t of targets) g.set(`${t.id}:${t.port}`, this.initialState);
  }

  deregister(targetGroupArn: string, targets: readonly Target[]): void {
    const g = this.#group(targetGroupArn);
    for (const t of targets) g.delete(`${t.id}:${t.port}`);
  }

  health(targetGroupArn: string, targets: readonly Target[]): Array<Target & { state: TargetHealthState }> {
    const g = this.#group(targetGroupArn);
    return targets.map((t) => ({ ...t, state: g.get(`${t.id}:${t.port}`) ?? 'unused' }));
  }

  set(targetGroupArn: string, target: Target, state: TargetHealthState): void {
    this.#group(targetGroupArn).set(`${target.id}:${target.port}`, state);
  }

  registered(targetGroupArn: string): string[] {
    return [...this.#group(targetGroupArn).keys()];
  }

  #group(arn: string): Map<string, TargetHealthState> {
    let g = this.groups.get(arn);
    if (g === undefined) {
      g = new Map();
      this.groups.set(arn, g);
    }
    return g;
  }
}
