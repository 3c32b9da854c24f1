// A service's or task set's loadBalancers checked against its task definition, with AWS's messages.
import type { LoadBalancer } from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import type { ResolvedTaskDefinition } from './task-store.ts';

/** Checks each load balancer entry against the task definition, with AWS's messages. */
export function checkLoadBalancers(loadBalancers: readonly LoadBalancer[], td: ResolvedTaskDefinition | undefined): LoadBalancer[] {
  const out: LoadBalancer[] = [];
  for (const [i, lb] of loadBalancers.entries()) {
    if (lb.targetGroupArn === undefined && lb.loadBalancerName === undefined) {
      throw new SlipwayError('InvalidParameterException', `loadBalancers[${i}]: neither targetGroupArn nor loadBalancerName given; expected targetGroupArn`);
    }
    if (lb.containerName === undefined || lb.containerPort === undefined) {
      throw new SlipwayError('InvalidParameterException', `loadBalancers[${i}]: containerName and containerPort are required with a target group`);
    }
    if (td !== undefined) {
      const container = (td.body.containerDefinitions ?? []).find((c) => c.name === lb.containerName);
      if (container === undefined) throw new SlipwayError('InvalidParameterException', `The container ${lb.containerName} does not exist in the task definition.`);
      if (!(container.portMappings ?? []).some((p) => p.containerPort === lb.containerPort)) {
        throw new SlipwayError('InvalidParameterException', `The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`);
      }
    }
    out.push({ targetGroupArn: lb.targetGroupArn, containerName: lb.containerName, containerPort: lb.containerPort });
  }
  return out;
}

