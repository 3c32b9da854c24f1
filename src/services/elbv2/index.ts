// Elastic Load Balancing v2's registry (Query protocol, API version 2015-12-01): load balancers, target groups, listeners, rules.
import { op, type OperationHandler, type ServiceDefinition } from '../types.ts';
import { coerceQueryInput } from './common.ts';
import { createListener, deleteListener, describeListeners, modifyListener } from './listeners.ts';
import { createLoadBalancer, deleteLoadBalancer, describeLoadBalancerAttributes, describeLoadBalancers, modifyLoadBalancerAttributes } from './load-balancers.ts';
import { createRule, deleteRule, describeRules, modifyRule, setRulePriorities } from './rules.ts';
import { elbv2Migrations } from './schema.ts';
import { addTags, describeTags, removeTags } from './tags.ts';
import {
  createTargetGroup,
  deleteTargetGroup,
  describeTargetGroupAttributes,
  describeTargetGroups,
  modifyTargetGroup,
  modifyTargetGroupAttributes,
} from './target-groups.ts';
import { deregisterTargetsOp, describeTargetHealthOp, registerTargetsOp } from './targets.ts';

/** Query input arrives as strings: numbers and booleans are converted by the model's member names first. */
function q<I, O>(handler: (input: I, ctx: Parameters<OperationHandler>[1]) => O): OperationHandler {
  const inner = op(handler);
  return (input, ctx) => inner(coerceQueryInput(input) as Record<string, unknown>, ctx);
}

export const elbv2Service: ServiceDefinition = {
  name: 'elbv2',
  model: 'elbv2.2015-12-01',
  protocol: 'query',
  signingName: 'elasticloadbalancing',
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  migrations: elbv2Migrations,
  operations: {
    CreateLoadBalancer: q(createLoadBalancer),
    DescribeLoadBalancers: q(describeLoadBalancers),
    DeleteLoadBalancer: q(deleteLoadBalancer),
    DescribeLoadBalancerAttributes: q(describeLoadBalancerAttributes),
    ModifyLoadBalancerAttributes: q(modifyLoadBalancerAttributes),
    CreateListener: q(createListener),
    ModifyListener: q(modifyListener),
    DescribeListeners: q(describeListeners),
    DeleteListener: q(deleteListener),
    CreateRule: q(createRule),
    ModifyRule: q(modifyRule),
    DescribeRules: q(describeRules),
    DeleteRule: q(deleteRule),
    SetRulePriorities: q(setRulePriorities),
    CreateTargetGroup: q(createTargetGroup),
    ModifyTargetGroup: q(modifyTargetGroup),
    DescribeTargetGroups: q(describeTargetGroups),
    DeleteTargetGroup: q(deleteTargetGroup),
    DescribeTargetGroupAttributes: q(describeTargetGroupAttributes),
    ModifyTargetGroupAttributes: q(modifyTargetGroupAttributes),
    RegisterTargets: q(registerTargetsOp),
    DeregisterTargets: q(deregisterTargetsOp),
    DescribeTargetHealth: q(describeTargetHealthOp),
    AddTags: q(addTags),
    RemoveTags: q(removeTags),
    DescribeTags: q(describeTags),
  },
};
