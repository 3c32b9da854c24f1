// Listeners: Create/Modify/Describe/DeleteListener with forward default actions; each binds its port on Slipway's host.
import type {
  CreateListenerInput,
  CreateListenerOutput,
  DeleteListenerInput,
  DescribeListenersInput,
  DescribeListenersOutput,
  Listener,
  ModifyListenerInput,
  ModifyListenerOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent } from '../validate.ts';
import { readActions, resolveForward, toActions, type StoredForward } from './actions.ts';
import { elbError, elbId, json, page, readPaging, reader } from './common.ts';
import { requireLoadBalancer, type LoadBalancerRecord } from './load-balancers.ts';
import { deleteTags, putTags, readTagList } from './tags.ts';

/** Published by the load-balancer engine once a listener's new routing is in force (a traffic shifter waits for it, as Argo's verifyWeight). */
export const ROUTING_APPLIED_EVENT = 'elbv2.listener.routing-applied';

export interface ListenerRecord {
  readonly arn: string;
  readonly loadBalancerArn: string;
  readonly port: number;
  readonly protocol: 'HTTP' | 'TCP';
  readonly forward: StoredForward;
  readonly defaultRuleArn: string;
  /** The engine's report: `active` once the port is bound, `failed` with the reason when it cannot be. */
  readonly status: string;
  readonly statusReason?: string;
}

function toRecord(row: Row): ListenerRecord {
  const reason = str(row, 'status_reason');
  return {
    arn: str(row, 'arn'),
    loadBalancerArn: str(row, 'load_balancer_arn'),
    port: num(row, 'port'),
    protocol: str(row, 'protocol') === 'TCP' ? 'TCP' : 'HTTP',
    forward: json<StoredForward>(str(row, 'default_actions')),
    defaultRuleArn: str(row, 'default_rule_arn'),
    status: str(row, 'status'),
    ...(reason === '' ? {} : { statusReason: reason }),
  };
}

export function listListenerRecords(ctx: Pick<ServiceContext, 'store'>): ListenerRecord[] {
  return ctx.store.all('SELECT * FROM elbv2_listeners ORDER BY created, arn').map(toRecord);
}

export function findListener(ctx: Pick<ServiceContext, 'store'>, arn: string): ListenerRecord | undefined {
  const row = ctx.store.get('SELECT * FROM elbv2_listeners WHERE arn = ?', arn);
  return row === undefined ? undefined : toRecord(row);
}

export function requireListener(ctx: Pick<ServiceContext, 'store'>, arn: string): ListenerRecord {
  const l = findListener(ctx, arn);
  if (l === undefined) throw elbError('ListenerNotFound', `One or more listeners not found: ${arn}`);
  return l;
}

/** The engine's report on a listener's port; unchanged reports write nothing. */
export function recordListenerStatus(ctx: ServiceContext, arn: string, status: 'active' | 'failed', reason: string | undefined): void {
  ctx.store.tx(() => {
    const l = findListener(ctx, arn);
    if (l === undefined || (l.status === status && l.statusReason === reason)) return;
    ctx.store.run('UPDATE elbv2_listeners SET status = ?, status_reason = ? WHERE arn = ?', status, reason ?? null, arn);
    ctx.bus.publish({ type: 'elbv2.listener.status-changed', resource: arn, detail: { status, port: l.port, ...(reason === undefined ? {} : { reason }) } });
  });
}

/** `loadbalancer/app/name/id` → `listener/app/name/id/<new id>`, as AWS nests them. */
function childArn(parent: string, from: string, to: string): string {
  return `${parent.replace(`:${from}/`, `:${to}/`)}/${elbId()}`;
}

function toListener(l: ListenerRecord): Listener {
  return { ListenerArn: l.arn, LoadBalancerArn: l.loadBalancerArn, Port: l.port, Protocol: l.protocol, DefaultActions: toActions(l.forward) };
}

function checkProtocol(lb: LoadBalancerRecord, protocol: string): 'HTTP' | 'TCP' {
  if (protocol === 'HTTPS' || protocol === 'TLS') {
    throw elbError('UnsupportedProtocol', `Listener protocol '${protocol}' is not supported by Slipway: listeners speak HTTP (application) or TCP (network); terminate TLS in front of Slipway if you need it`);
  }
  const allowed = lb.type === 'network' ? ['TCP'] : ['HTTP'];
  if (!allowed.includes(protocol)) {
    throw elbError('IncompatibleProtocols', `Listener protocol '${protocol}' is not supported by a ${lb.type} load balancer (expected ${allowed.join(' or ')})`);
  }
  return protocol === 'TCP' ? 'TCP' : 'HTTP';
}

function assertPortFree(ctx: Pick<ServiceContext, 'store'>, lbArn: string, port: number, except?: string): void {
  const clash = ctx.store.get('SELECT arn FROM elbv2_listeners WHERE load_balancer_arn = ? AND port = ? AND arn != ?', lbArn, port, except ?? '');
  if (clash !== undefined) throw elbError('DuplicateListener', `A listener already exists on port ${port} of load balancer '${lbArn}'`);
}

export function createListener(input: CreateListenerInput, ctx: OperationContext): CreateListenerOutput {
  const { r, problems, done } = reader(input);
  const lbArn = r.string('LoadBalancerArn', { required: true }) ?? '';
  const protocol = r.string('Protocol', { required: true, oneOf: ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'] }) ?? '';
  const port = r.integer('Port', { required: true, min: 1, max: 65535 }) ?? 0;
  const forward = readActions(input.DefaultActions, 'DefaultActions', problems);
  const tags = readTagList(input.Tags, problems, 'Tags');
  done();
  assertPresent(forward);
  return ctx.store.tx(() => {
    const lb = requireLoadBalancer(ctx, lbArn);
    const proto = checkProtocol(lb, protocol);
    assertPortFree(ctx, lb.arn, port);
    resolveForward(ctx, forward, lb);
    const arn = childArn(lb.arn, 'loadbalancer', 'listener');
    const defaultRule = childArn(arn, 'listener', 'listener-rule');
    ctx.store.run(
      "INSERT INTO elbv2_listeners (arn, load_balancer_arn, port, protocol, default_actions, default_rule_arn, status, status_reason, created) VALUES (?, ?, ?, ?, ?, ?, 'provisioning', NULL, ?)",
      arn,
      lb.arn,
      port,
      proto,
      JSON.stringify(forward),
      defaultRule,
      ctx.clock.now(),
    );
    putTags(ctx, arn, tags);
    ctx.bus.publish({ type: 'elbv2.listener.created', resource: arn, detail: { loadBalancerArn: lb.arn, port } });
    return { Listeners: [toListener(requireListener(ctx, arn))] };
  });
}

export function modifyListener(input: ModifyListenerInput, ctx: OperationContext): ModifyListenerOutput {
  const { r, problems, done } = reader(input);
  const arn = r.string('ListenerArn', { required: true }) ?? '';
  const protocol = r.string('Protocol', { oneOf: ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'] });
  const port = r.integer('Port', { min: 1, max: 65535 });
  const forward = input.DefaultActions === undefined ? undefined : readActions(input.DefaultActions, 'DefaultActions', problems);
  done();
  return ctx.store.tx(() => {
    const l = requireListener(ctx, arn);
    const lb = requireLoadBalancer(ctx, l.loadBalancerArn);
    const proto = protocol === undefined ? l.protocol : checkProtocol(lb, protocol);
    if (port !== undefined) assertPortFree(ctx, lb.arn, port, arn);
    if (forward !== undefined) resolveForward(ctx, forward, lb);
    ctx.store.run('UPDATE elbv2_listeners SET port = ?, protocol = ?, default_actions = ? WHERE arn = ?', port ?? l.port, proto, JSON.stringify(forward ?? l.forward), arn);
    ctx.bus.publish({ type: 'elbv2.listener.modified', resource: arn, detail: { port: port ?? l.port } });
    return { Listeners: [toListener(requireListener(ctx, arn))] };
  });
}

/** ModifyRule on a listener's default rule changes its default actions. */
export function setDefaultForward(ctx: OperationContext, l: ListenerRecord, forward: StoredForward): void {
  resolveForward(ctx, forward, requireLoadBalancer(ctx, l.loadBalancerArn));
  ctx.store.run('UPDATE elbv2_listeners SET default_actions = ? WHERE arn = ?', JSON.stringify(forward), l.arn);
  ctx.bus.publish({ type: 'elbv2.listener.modified', resource: l.arn, detail: { port: l.port } });
}

export function describeListeners(input: DescribeListenersInput, ctx: OperationContext): DescribeListenersOutput {
  const { r, problems, done } = reader(input);
  const lbArn = r.string('LoadBalancerArn');
  const arns = r.stringList('ListenerArns');
  const { marker, pageSize } = readPaging(r);
  if ((lbArn === undefined) === (arns === undefined)) problems.add({ field: 'LoadBalancerArn, ListenerArns', found: lbArn === undefined ? 'neither' : 'both', expected: 'exactly one of them' });
  done();
  let listeners: ListenerRecord[];
  if (arns !== undefined) listeners = arns.map((a) => requireListener(ctx, a));
  else {
    requireLoadBalancer(ctx, lbArn ?? '');
    listeners = ctx.store.all('SELECT * FROM elbv2_listeners WHERE load_balancer_arn = ? ORDER BY port', lbArn ?? '').map(toRecord);
  }
  const p = page(listeners, pageSize, marker);
  return { Listeners: p.items.map(toListener), ...(p.nextMarker === undefined ? {} : { NextMarker: p.nextMarker }) };
}

export function deleteListener(input: DeleteListenerInput, ctx: OperationContext): Record<string, never> {
  const { r, done } = reader(input);
  const arn = r.string('ListenerArn', { required: true }) ?? '';
  done();
  ctx.store.tx(() => {
    const l = requireListener(ctx, arn);
    for (const rule of ctx.store.all('SELECT arn FROM elbv2_rules WHERE listener_arn = ?', arn)) deleteTags(ctx, str(rule, 'arn'));
    deleteTags(ctx, arn);
    ctx.store.run('DELETE FROM elbv2_listeners WHERE arn = ?', arn);
    ctx.bus.publish({ type: 'elbv2.listener.deleted', resource: arn, detail: { port: l.port } });
  });
  return {};
}
