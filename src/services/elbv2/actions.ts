// Listener and rule actions: forward with TargetGroupArn or a weighted ForwardConfig (weights 0–999, group stickiness).
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeValue, Problems } from '../../core/errors.ts';
import type { ServiceContext } from '../types.ts';
import { assertPresent } from '../validate.ts';
import { elbError } from './common.ts';
import { loadBalancersOf, requireTargetGroup } from './target-groups.ts';

/** A forward action as stored: always the ForwardConfig form, which is what the data plane runs. */
export interface StoredForward {
  readonly order?: number;
  readonly targetGroups: ReadonlyArray<{ readonly arn: string; readonly weight: number }>;
  readonly stickiness: { readonly enabled: boolean; readonly durationSeconds?: number };
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Reads an `Actions` list (syntax and ranges), adding problems; exactly one forward action is supported. */
export function readActions(value: unknown, field: string, problems: Problems): StoredForward | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add({ field, found: describeValue(value), expected: 'a list with one forward action' });
    return undefined;
  }
  if (value.length > 1) {
    problems.add({ field, found: `${value.length} actions`, expected: 'one forward action (Slipway does not run authenticate actions before it)' });
    return undefined;
  }
  const a = obj(value[0]) ?? {};
  const at = `${field}[0]`;
  if (a['Type'] !== 'forward') {
    const known = ['redirect', 'fixed-response', 'authenticate-oidc', 'authenticate-cognito', 'jwt-validation'].includes(String(a['Type']));
    problems.add({ field: `${at}.Type`, found: describeValue(a['Type']), expected: known ? 'forward (Slipway implements forward actions only)' : 'forward' });
    return undefined;
  }
  const order = a['Order'];
  if (order !== undefined && (typeof order !== 'number' || !Number.isInteger(order) || order < 1 || order > 50000)) {
    problems.add({ field: `${at}.Order`, found: describeValue(order), expected: 'an integer from 1 to 50000' });
  }
  const single = a['TargetGroupArn'];
  const config = obj(a['ForwardConfig']);
  const tuples: Array<{ arn: string; weight: number }> = [];
  if (config?.['TargetGroups'] !== undefined) {
    const list = config['TargetGroups'];
    if (!Array.isArray(list) || list.length === 0 || list.length > 5) {
      problems.add({ field: `${at}.ForwardConfig.TargetGroups`, found: describeValue(list), expected: '1 to 5 target groups' });
    } else {
      list.forEach((item: unknown, i) => {
        const t = obj(item) ?? {};
        const arn = t['TargetGroupArn'];
        const weight = t['Weight'] ?? 1;
        if (typeof arn !== 'string' || arn === '') problems.add({ field: `${at}.ForwardConfig.TargetGroups[${i}].TargetGroupArn`, found: describeValue(arn), expected: 'a target group ARN' });
        if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 999) {
          problems.add({ field: `${at}.ForwardConfig.TargetGroups[${i}].Weight`, found: describeValue(weight), expected: 'an integer from 0 to 999' });
        }
        if (typeof arn === 'string' && typeof weight === 'number') {
          if (tuples.some((x) => x.arn === arn)) problems.add({ field: `${at}.ForwardConfig.TargetGroups[${i}].TargetGroupArn`, found: arn, expected: 'each target group once' });
          tuples.push({ arn, weight });
        }
      });
    }
  }
  if (single !== undefined) {
    if (typeof single !== 'string') problems.add({ field: `${at}.TargetGroupArn`, found: describeValue(single), expected: 'a target group ARN' });
    else if (tuples.length === 0) tuples.push({ arn: single, weight: 1 });
    else if (tuples.length !== 1 || tuples[0]?.arn !== single) {
      problems.add({ field: `${at}.TargetGroupArn`, found: single, expected: 'the same single target group as ForwardConfig when both are given' });
    }
  }
  if (tuples.length === 0 && single === undefined && config?.['TargetGroups'] === undefined) {
    problems.add({ field: `${at}`, found: 'neither TargetGroupArn nor ForwardConfig.TargetGroups', expected: 'a target group to forward to' });
  }
  const s = obj(config?.['TargetGroupStickinessConfig']);
  const enabled = s?.['Enabled'] ?? false;
  const duration = s?.['DurationSeconds'];
  if (typeof enabled !== 'boolean') problems.add({ field: `${at}.ForwardConfig.TargetGroupStickinessConfig.Enabled`, found: describeValue(enabled), expected: 'true or false' });
  if (enabled === true && (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > 604800)) {
    problems.add({ field: `${at}.ForwardConfig.TargetGroupStickinessConfig.DurationSeconds`, found: describeValue(duration), expected: 'an integer from 1 to 604800 when stickiness is enabled' });
  }
  return {
    ...(typeof order === 'number' ? { order } : {}),
    targetGroups: tuples,
    stickiness: { enabled: enabled === true, ...(typeof duration === 'number' ? { durationSeconds: duration } : {}) },
  };
}

/** Checks the groups exist, suit the load balancer's type and belong to no other load balancer (AWS's association limit). */
export function resolveForward(ctx: Pick<ServiceContext, 'store'>, forward: StoredForward, lb: { arn: string; type: string }): void {
  const wanted = lb.type === 'network' ? 'TCP' : 'HTTP';
  if (lb.type === 'network' && forward.targetGroups.length > 1) {
    throw elbError('ValidationError', 'A forward action of a network load balancer can have only one target group');
  }
  for (const t of forward.targetGroups) {
    const tg = requireTargetGroup(ctx, t.arn);
    if (tg.protocol !== wanted) {
      throw elbError('IncompatibleProtocols', `Target group '${tg.name}' has protocol ${tg.protocol}; a ${lb.type} load balancer forwards to ${wanted} target groups`);
    }
    const others = loadBalancersOf(ctx, tg.arn).filter((a) => a !== lb.arn);
    if (others.length > 0) {
      throw elbError('TargetGroupAssociationLimit', `The following target groups cannot be associated with more than one load balancer: ${tg.arn} (already used by ${others.join(', ')})`);
    }
  }
}

/** The AWS form: ForwardConfig always, TargetGroupArn too when there is a single group (as DescribeListeners shows it). */
export function toActions(forward: StoredForward): Action[] {
  const only = forward.targetGroups.length === 1 ? forward.targetGroups[0] : undefined;
  return [
    {
      Type: 'forward',
      ...(only === undefined ? {} : { TargetGroupArn: only.arn }),
      ...(forward.order === undefined ? {} : { Order: forward.order }),
      ForwardConfig: {
        TargetGroups: forward.targetGroups.map((t) => ({ TargetGroupArn: t.arn, Weight: t.weight })),
        TargetGroupStickinessConfig: { Enabled: forward.stickiness.enabled, ...(forward.stickiness.durationSeconds === undefined ? {} : { DurationSeconds: forward.stickiness.durationSeconds }) },
      },
    },
  ];
}

export function parseActionsOrThrow(value: unknown, field: string): StoredForward {
  const problems = new Problems();
  const forward = readActions(value, field, problems);
  problems.throwIfAny('ValidationError', `${problems.size} validation error${problems.size === 1 ? '' : 's'} detected`);
  assertPresent(forward, 'readActions reported no problem');
  return forward;
}
