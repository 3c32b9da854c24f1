// Targets of a target group: register, deregister (draining) and describe health — plain functions engines call too.
import { isIPv4 } from 'node:net';
import type {
  DeregisterTargetsInput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  TargetHealthReasonEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeValue, Problems } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { elbError, reader } from './common.ts';
import { loadBalancersOf, requireTargetGroup, type TargetGroupRecord } from './target-groups.ts';

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused';

export interface TargetHealthInfo {
  readonly id: string;
  readonly port: number;
  readonly state: TargetState;
  readonly reason?: string;
  readonly description?: string;
}

/** The event type health changes are published under (the engine writes them; it does not react to them). */
export const TARGET_HEALTH_EVENT = 'elbv2.target-health.changed';

const NOT_REGISTERED = { reason: 'Target.NotRegistered', description: 'Target is not registered to the target group' } as const;
const NOT_IN_USE = { reason: 'Target.NotInUse', description: 'Target group is not configured to receive traffic from the load balancer' } as const;

/** Where the data plane reaches a target: an ip target at its address; an instance target on this machine (Slipway has no EC2). */
export function targetHost(tg: Pick<TargetGroupRecord, 'targetType'>, id: string): string {
  return tg.targetType === 'ip' ? id : '127.0.0.1';
}

function readTargets(tg: TargetGroupRecord, targets: readonly { id: string; port?: number | undefined }[]): Array<{ id: string; port: number }> {
  const problems = new Problems();
  if (targets.length === 0) problems.add({ field: 'Targets', found: 'an empty list', expected: 'at least one target' });
  const out = targets.map((t, i) => {
    const port = t.port ?? tg.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.add({ field: `Targets[${i}].Port`, found: describeValue(port), expected: 'an integer from 1 to 65535' });
    if (typeof t.id !== 'string' || t.id.length === 0) problems.add({ field: `Targets[${i}].Id`, found: describeValue(t.id), expected: 'a target id' });
    return { id: t.id, port };
  });
  problems.throwIfAny('ValidationError', `${problems.size} validation error${problems.size === 1 ? '' : 's'} detected`);
  for (const t of out) {
    if (tg.targetType === 'ip' && !isIPv4(t.id)) {
      throw elbError('InvalidTarget', `The IP address '${t.id}' is not a valid IPv4 address (target group ${tg.name} has target type ip)`);
    }
    if (tg.targetType === 'instance' && !/^i-[0-9a-zA-Z]{1,64}$/.test(t.id)) {
      throw elbError('InvalidTarget', `The instance ID '${t.id}' is not valid (target group ${tg.name} has target type instance; ids look like i-0123456789abcdef0)`);
    }
  }
  return out;
}

/** Registers targets (AWS: re-registering a registered target is a no-op; a draining one registers afresh). */
export function registerTargets(ctx: ServiceContext, targetGroupArn: string, targets: readonly { id: string; port?: number }[]): void {
  ctx.store.tx(() => {
    const tg = requireTargetGroup(ctx, targetGroupArn);
    const list = readTargets(tg, targets);
    const added: string[] = [];
    for (const t of list) {
      const row = ctx.store.get('SELECT deregistered FROM elbv2_targets WHERE target_group_arn = ? AND id = ? AND port = ?', tg.arn, t.id, t.port);
      if (row !== undefined && row['deregistered'] === null) continue;
      ctx.store.run(
        `INSERT INTO elbv2_targets (target_group_arn, id, port, state, reason, description, registered, deregistered)
         VALUES (?, ?, ?, 'initial', 'Elb.RegistrationInProgress', 'Target registration is in progress', ?, NULL)
         ON CONFLICT DO UPDATE SET state = excluded.state, reason = excluded.reason, description = excluded.description, registered = excluded.registered, deregistered = NULL`,
        tg.arn,
        t.id,
        t.port,
        ctx.clock.now(),
      );
      added.push(`${t.id}:${t.port}`);
    }
    if (added.length > 0) ctx.bus.publish({ type: 'elbv2.targets.registered', resource: tg.arn, detail: { targets: added } });
  });
}

/** Deregisters targets: `draining` for the group's deregistration delay while it receives traffic, else gone at once. */
export function deregisterTargets(ctx: ServiceContext, targetGroupArn: string, targets: readonly { id: string; port?: number }[]): void {
  ctx.store.tx(() => {
    const tg = requireTargetGroup(ctx, targetGroupArn);
    const list = readTargets(tg, targets);
    const missing = list.filter((t) => ctx.store.get('SELECT 1 FROM elbv2_targets WHERE target_group_arn = ? AND id = ? AND port = ?', tg.arn, t.id, t.port) === undefined);
    if (missing.length > 0) {
      throw elbError('InvalidTarget', `The following targets are not registered in target group '${tg.arn}': ${missing.map((t) => `'${t.id}:${t.port}'`).join(', ')}`);
    }
    const inUse = loadBalancersOf(ctx, tg.arn).length > 0;
    for (const t of list) {
      if (inUse) {
        // The row reads `draining` from now on; its state column turns `draining` when the data plane has begun.
        ctx.store.run(
          'UPDATE elbv2_targets SET deregistered = ? WHERE target_group_arn = ? AND id = ? AND port = ? AND deregistered IS NULL',
          ctx.clock.now(),
          tg.arn,
          t.id,
          t.port,
        );
      } else {
        ctx.store.run('DELETE FROM elbv2_targets WHERE target_group_arn = ? AND id = ? AND port = ?', tg.arn, t.id, t.port);
      }
    }
    ctx.bus.publish({ type: 'elbv2.targets.deregistered', resource: tg.arn, detail: { targets: list.map((t) => `${t.id}:${t.port}`) } });
  });
}

function deregistrationDelayMs(tg: TargetGroupRecord): number {
  return Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300) * 1000;
}

const DRAINING = { state: 'draining', reason: 'Target.DeregistrationInProgress', description: 'Target deregistration is in progress' } as const;

function toInfo(row: Row): TargetHealthInfo {
  const reason = str(row, 'reason');
  const description = str(row, 'description');
  if (row['deregistered'] !== null) return { id: str(row, 'id'), port: num(row, 'port'), ...DRAINING };
  return {
    id: str(row, 'id'),
    port: num(row, 'port'),
    state: str(row, 'state') as TargetState,
    ...(reason === '' ? {} : { reason }),
    ...(description === '' ? {} : { description }),
  };
}

/**
 * Health as last recorded by the load-balancer engine. A group no listener forwards to has its targets `unused`
 * (Target.NotInUse); a draining target past its delay is gone even if the engine has not said so yet.
 */
export function describeTargetHealth(ctx: Pick<ServiceContext, 'store' | 'clock'>, targetGroupArn: string, targets?: readonly { id: string; port?: number }[]): TargetHealthInfo[] {
  const tg = requireTargetGroup(ctx, targetGroupArn);
  const inUse = loadBalancersOf(ctx, tg.arn).length > 0;
  const now = ctx.clock.now();
  const present = (row: Row): boolean => row['deregistered'] === null || num(row, 'deregistered') + deregistrationDelayMs(tg) > now;
  const view = (info: TargetHealthInfo): TargetHealthInfo => (inUse || info.state === 'draining' ? info : { id: info.id, port: info.port, state: 'unused', ...NOT_IN_USE });
  if (targets === undefined) {
    return ctx.store
      .all('SELECT * FROM elbv2_targets WHERE target_group_arn = ? ORDER BY registered, id, port', tg.arn)
      .filter(present)
      .map((row) => view(toInfo(row)));
  }
  return targets.map((t) => {
    const port = t.port ?? tg.port;
    const row = ctx.store.get('SELECT * FROM elbv2_targets WHERE target_group_arn = ? AND id = ? AND port = ?', tg.arn, t.id, port);
    return row !== undefined && present(row) ? view(toInfo(row)) : { id: t.id, port, state: 'unused', ...NOT_REGISTERED };
  });
}

/** The engine's write of a health change: stored only when it differs, with its event in the same transaction. */
export function recordTargetHealth(ctx: ServiceContext, targetGroupArn: string, health: TargetHealthInfo): void {
  ctx.store.tx(() => {
    const row = ctx.store.get('SELECT * FROM elbv2_targets WHERE target_group_arn = ? AND id = ? AND port = ?', targetGroupArn, health.id, health.port);
    if (row === undefined) return;
    const deregistered = row['deregistered'] !== null;
    if (health.state === 'unused') {
      // The data plane finished draining: the registration is gone (a re-registration meanwhile is not deregistered).
      if (!deregistered) return;
      ctx.store.run('DELETE FROM elbv2_targets WHERE target_group_arn = ? AND id = ? AND port = ?', targetGroupArn, health.id, health.port);
    } else {
      if (deregistered !== (health.state === 'draining')) return; // a late probe result after deregistration, or a stale drain
      const reason = str(row, 'reason');
      const description = str(row, 'description');
      if (str(row, 'state') === health.state && reason === (health.reason ?? '') && description === (health.description ?? '')) return;
      ctx.store.run(
        'UPDATE elbv2_targets SET state = ?, reason = ?, description = ? WHERE target_group_arn = ? AND id = ? AND port = ?',
        health.state,
        health.reason ?? null,
        health.description ?? null,
        targetGroupArn,
        health.id,
        health.port,
      );
    }
    ctx.bus.publish({ type: TARGET_HEALTH_EVENT, resource: targetGroupArn, detail: { ...health } });
  });
}

/** Rows the engine reconciles the data plane with: `deregistered` set means draining (or drained). */
export function targetRows(ctx: Pick<ServiceContext, 'store'>, targetGroupArn: string): Array<TargetHealthInfo & { deregistered?: number }> {
  return ctx.store.all('SELECT * FROM elbv2_targets WHERE target_group_arn = ? ORDER BY registered, id, port', targetGroupArn).map((row) => {
    const d = num(row, 'deregistered');
    return { ...toInfo(row), ...(Number.isNaN(d) ? {} : { deregistered: d }) };
  });
}

function readTargetList(value: unknown, problems: Problems): Array<{ id: string; port?: number }> {
  if (!Array.isArray(value)) {
    problems.add({ field: 'Targets', found: describeValue(value), expected: 'a list of targets' });
    return [];
  }
  return value.map((item: unknown, i) => {
    const t = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof t['Id'] !== 'string') problems.add({ field: `Targets[${i}].Id`, found: describeValue(t['Id']), expected: 'a target id' });
    if (t['Port'] !== undefined && typeof t['Port'] !== 'number') problems.add({ field: `Targets[${i}].Port`, found: describeValue(t['Port']), expected: 'an integer from 1 to 65535' });
    return { id: String(t['Id']), ...(typeof t['Port'] === 'number' ? { port: t['Port'] } : {}) };
  });
}

export function registerTargetsOp(input: RegisterTargetsInput, ctx: OperationContext): Record<string, never> {
  const { r, problems, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  const targets = readTargetList(input.Targets, problems);
  done();
  registerTargets(ctx, arn, targets);
  return {};
}

export function deregisterTargetsOp(input: DeregisterTargetsInput, ctx: OperationContext): Record<string, never> {
  const { r, problems, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  const targets = readTargetList(input.Targets, problems);
  done();
  deregisterTargets(ctx, arn, targets);
  return {};
}

export function describeTargetHealthOp(input: DescribeTargetHealthInput, ctx: OperationContext): DescribeTargetHealthOutput {
  const { r, problems, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  const targets = input.Targets === undefined ? undefined : readTargetList(input.Targets, problems);
  r.stringList('Include', { item: { oneOf: ['AnomalyDetection', 'All'] } });
  done();
  const tg = requireTargetGroup(ctx, arn);
  return {
    TargetHealthDescriptions: describeTargetHealth(ctx, arn, targets).map((h) => ({
      Target: { Id: h.id, Port: h.port },
      HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(h.port) : tg.healthCheck.port,
      TargetHealth: {
        State: h.state,
        ...(h.reason === undefined ? {} : { Reason: h.reason as TargetHealthReasonEnum }),
        ...(h.description === undefined ? {} : { Description: h.description }),
      },
    })),
  };
}
