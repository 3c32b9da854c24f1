// Target groups: Create/Modify/Describe/DeleteTargetGroup and their attributes (deregistration delay, slow start, stickiness).
import type {
  CreateTargetGroupInput,
  CreateTargetGroupOutput,
  DeleteTargetGroupInput,
  DescribeTargetGroupAttributesInput,
  DescribeTargetGroupAttributesOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  ModifyTargetGroupAttributesInput,
  ModifyTargetGroupAttributesOutput,
  ModifyTargetGroupInput,
  ModifyTargetGroupOutput,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeValue, type Problems } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { applyAttributes, ELB_NAME, elbArn, elbError, elbId, json, page, readPaging, reader, toAttributes } from './common.ts';
import { healthCheckDefaults, readHealthCheck, type StoredHealthCheck } from './health-check.ts';
import { deleteTags, putTags, readTagList } from './tags.ts';

/** A target group as the engine and the other operations read it. */
export interface TargetGroupRecord {
  readonly arn: string;
  readonly name: string;
  readonly protocol: 'HTTP' | 'TCP';
  readonly port: number;
  readonly vpcId: string;
  readonly targetType: 'instance' | 'ip';
  readonly healthCheck: StoredHealthCheck;
  readonly attributes: Readonly<Record<string, string>>;
}

function defaultAttributes(protocol: string): Record<string, string> {
  const common = { 'deregistration_delay.timeout_seconds': '300', 'stickiness.enabled': 'false' };
  return protocol === 'TCP'
    ? { ...common, 'stickiness.type': 'source_ip', 'deregistration_delay.connection_termination.enabled': 'false', 'proxy_protocol_v2.enabled': 'false' }
    : {
        ...common,
        'stickiness.type': 'lb_cookie',
        'stickiness.lb_cookie.duration_seconds': '86400',
        'stickiness.app_cookie.cookie_name': '',
        'stickiness.app_cookie.duration_seconds': '86400',
        'slow_start.duration_seconds': '0',
        'load_balancing.algorithm.type': 'round_robin',
        'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
      };
}

function toRecord(row: Row): TargetGroupRecord {
  return {
    arn: str(row, 'arn'),
    name: str(row, 'name'),
    protocol: str(row, 'protocol') === 'TCP' ? 'TCP' : 'HTTP',
    port: num(row, 'port'),
    vpcId: str(row, 'vpc_id'),
    targetType: str(row, 'target_type') === 'instance' ? 'instance' : 'ip',
    healthCheck: json<StoredHealthCheck>(str(row, 'health_check')),
    attributes: json<Record<string, string>>(str(row, 'attributes')),
  };
}

export function listTargetGroupRecords(ctx: Pick<ServiceContext, 'store'>): TargetGroupRecord[] {
  return ctx.store.all('SELECT * FROM elbv2_target_groups ORDER BY created, arn').map(toRecord);
}

export function findTargetGroup(ctx: Pick<ServiceContext, 'store'>, arn: string): TargetGroupRecord | undefined {
  const row = ctx.store.get('SELECT * FROM elbv2_target_groups WHERE arn = ?', arn);
  return row === undefined ? undefined : toRecord(row);
}

export function targetGroupNotFound(arn: string): Error {
  return elbError('TargetGroupNotFound', `One or more target groups not found: ${arn}`);
}

export function requireTargetGroup(ctx: Pick<ServiceContext, 'store'>, arn: string): TargetGroupRecord {
  const tg = findTargetGroup(ctx, arn);
  if (tg === undefined) throw targetGroupNotFound(arn);
  return tg;
}

/** The load balancers whose listeners or rules forward to the target group (empty: its targets are `unused`). */
export function loadBalancersOf(ctx: Pick<ServiceContext, 'store'>, targetGroupArn: string): string[] {
  const quoted = JSON.stringify(targetGroupArn);
  return ctx.store
    .all(
      `SELECT DISTINCT l.load_balancer_arn AS lb FROM elbv2_listeners l LEFT JOIN elbv2_rules r ON r.listener_arn = l.arn
       WHERE instr(l.default_actions, ?) > 0 OR instr(r.actions, ?) > 0 ORDER BY lb`,
      quoted,
      quoted,
    )
    .map((row) => str(row, 'lb'));
}

function toTargetGroup(ctx: Pick<ServiceContext, 'store'>, tg: TargetGroupRecord): TargetGroup {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: hc.protocol,
    HealthCheckPort: hc.port,
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: hc.intervalSeconds,
    HealthCheckTimeoutSeconds: hc.timeoutSeconds,
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    ...(hc.protocol === 'HTTP' ? { HealthCheckPath: hc.path, Matcher: { HttpCode: hc.matcher } } : {}),
    LoadBalancerArns: loadBalancersOf(ctx, tg.arn),
    TargetType: tg.targetType,
    ...(tg.protocol === 'HTTP' ? { ProtocolVersion: 'HTTP1' } : {}),
    IpAddressType: 'ipv4',
  };
}

function readProtocol(value: string | undefined, problems: Problems): 'HTTP' | 'TCP' | undefined {
  if (value === undefined || value === 'HTTP' || value === 'TCP') return value;
  problems.add({ field: 'Protocol', found: describeValue(value), expected: 'HTTP (application load balancers) or TCP (network load balancers); Slipway does not terminate TLS or carry UDP' });
  return undefined;
}

export function createTargetGroup(input: CreateTargetGroupInput, ctx: OperationContext): CreateTargetGroupOutput {
  const { r, problems, done } = reader(input);
  const name = r.string('Name', { ...ELB_NAME, required: true }) ?? '';
  const targetType = r.string('TargetType', { oneOf: ['instance', 'ip', 'lambda', 'alb'] }) ?? 'instance';
  if (targetType === 'lambda' || targetType === 'alb') problems.add({ field: 'TargetType', found: targetType, expected: 'instance or ip (Slipway routes to addresses, not Lambda functions or other load balancers)' });
  const protocol = readProtocol(r.string('Protocol', { required: true, oneOf: ['HTTP', 'HTTPS', 'TCP', 'TLS', 'UDP', 'TCP_UDP', 'GENEVE'] }), problems) ?? 'HTTP';
  const protocolVersion = r.string('ProtocolVersion', { oneOf: ['HTTP1', 'HTTP2', 'GRPC'] });
  if (protocolVersion !== undefined && protocolVersion !== 'HTTP1') problems.add({ field: 'ProtocolVersion', found: protocolVersion, expected: 'HTTP1 (Slipway proxies HTTP/1.1)' });
  const port = r.integer('Port', { required: true, min: 1, max: 65535 }) ?? 0;
  const vpcId = r.string('VpcId', { required: true, min: 1, max: 255 }) ?? '';
  r.string('IpAddressType', { oneOf: ['ipv4'] });
  const healthCheck = readHealthCheck(r, problems, healthCheckDefaults(protocol), protocol);
  const tags = readTagList(input.Tags, problems, 'Tags');
  done();
  return ctx.store.tx(() => {
    const existing = ctx.store.get('SELECT * FROM elbv2_target_groups WHERE name = ?', name);
    if (existing !== undefined) {
      const same = toRecord(existing);
      // AWS answers a repeated identical CreateTargetGroup with the existing group (idempotent create).
      if (same.protocol === protocol && same.port === port && same.vpcId === vpcId && same.targetType === targetType && JSON.stringify(same.healthCheck) === JSON.stringify(healthCheck)) {
        return { TargetGroups: [toTargetGroup(ctx, same)] };
      }
      throw elbError('DuplicateTargetGroupName', `A target group with the same name '${name}' exists, but with different settings`);
    }
    const arn = elbArn(ctx, `targetgroup/${name}/${elbId()}`);
    ctx.store.run(
      'INSERT INTO elbv2_target_groups (arn, name, protocol, protocol_version, port, vpc_id, target_type, ip_address_type, health_check, attributes, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      arn,
      name,
      protocol,
      protocol === 'HTTP' ? 'HTTP1' : null,
      port,
      vpcId,
      targetType,
      'ipv4',
      JSON.stringify(healthCheck),
      JSON.stringify(defaultAttributes(protocol)),
      ctx.clock.now(),
    );
    putTags(ctx, arn, tags);
    ctx.bus.publish({ type: 'elbv2.target-group.created', resource: arn, detail: { name } });
    return { TargetGroups: [toTargetGroup(ctx, requireTargetGroup(ctx, arn))] };
  });
}

export function modifyTargetGroup(input: ModifyTargetGroupInput, ctx: OperationContext): ModifyTargetGroupOutput {
  const { r, problems, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  const tg = requireTargetGroup(ctx, arn);
  const healthCheck = readHealthCheck(r, problems, tg.healthCheck, tg.protocol);
  done();
  return ctx.store.tx(() => {
    ctx.store.run('UPDATE elbv2_target_groups SET health_check = ? WHERE arn = ?', JSON.stringify(healthCheck), arn);
    ctx.bus.publish({ type: 'elbv2.target-group.modified', resource: arn, detail: { healthCheck } });
    return { TargetGroups: [toTargetGroup(ctx, requireTargetGroup(ctx, arn))] };
  });
}

export function describeTargetGroups(input: DescribeTargetGroupsInput, ctx: OperationContext): DescribeTargetGroupsOutput {
  const { r, problems, done } = reader(input);
  const lbArn = r.string('LoadBalancerArn');
  const arns = r.stringList('TargetGroupArns');
  const names = r.stringList('Names');
  const { marker, pageSize } = readPaging(r);
  if ([lbArn, arns, names].filter((x) => x !== undefined).length > 1) {
    problems.add({ field: 'LoadBalancerArn, TargetGroupArns, Names', found: 'more than one', expected: 'at most one of them' });
  }
  done();
  let groups: TargetGroupRecord[];
  if (arns !== undefined) {
    groups = arns.map((a) => requireTargetGroup(ctx, a));
  } else if (names !== undefined) {
    groups = names.map((n) => {
      const row = ctx.store.get('SELECT * FROM elbv2_target_groups WHERE name = ?', n);
      if (row === undefined) throw elbError('TargetGroupNotFound', `One or more target groups not found: ${n}`);
      return toRecord(row);
    });
  } else {
    groups = listTargetGroupRecords(ctx);
    if (lbArn !== undefined) {
      if (ctx.store.get('SELECT 1 FROM elbv2_load_balancers WHERE arn = ?', lbArn) === undefined) throw elbError('LoadBalancerNotFound', `One or more load balancers not found: ${lbArn}`);
      groups = groups.filter((g) => loadBalancersOf(ctx, g.arn).includes(lbArn));
    }
  }
  const p = page(groups, pageSize, marker);
  return { TargetGroups: p.items.map((g) => toTargetGroup(ctx, g)), ...(p.nextMarker === undefined ? {} : { NextMarker: p.nextMarker }) };
}

export function deleteTargetGroup(input: DeleteTargetGroupInput, ctx: OperationContext): Record<string, never> {
  const { r, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  done();
  ctx.store.tx(() => {
    // Deleting a group that does not exist succeeds, as on AWS.
    if (findTargetGroup(ctx, arn) === undefined) return;
    if (loadBalancersOf(ctx, arn).length > 0) throw elbError('ResourceInUse', `Target group '${arn}' is currently in use by a listener or a rule`);
    ctx.store.run('DELETE FROM elbv2_target_groups WHERE arn = ?', arn);
    ctx.store.run('DELETE FROM elbv2_target_group_metrics WHERE target_group_arn = ?', arn);
    deleteTags(ctx, arn);
    ctx.bus.publish({ type: 'elbv2.target-group.deleted', resource: arn, detail: {} });
  });
  return {};
}

/** Values each attribute accepts; a key outside this list is a ValidationError, as on AWS. */
const ATTRIBUTE_RULES: Readonly<Record<string, (v: string) => string | undefined>> = {
  'deregistration_delay.timeout_seconds': (v) => intIn(v, 0, 3600),
  'slow_start.duration_seconds': (v) => (/^\d+$/.test(v) && (Number(v) === 0 || (Number(v) >= 30 && Number(v) <= 900)) ? undefined : '0 (off) or an integer from 30 to 900'),
  'stickiness.enabled': (v) => oneOf(v, ['true', 'false']),
  'stickiness.type': (v) => oneOf(v, ['lb_cookie', 'app_cookie', 'source_ip']),
  'stickiness.lb_cookie.duration_seconds': (v) => intIn(v, 1, 604800),
  'stickiness.app_cookie.cookie_name': (v) => (v.length <= 1024 ? undefined : 'at most 1024 characters'),
  'stickiness.app_cookie.duration_seconds': (v) => intIn(v, 1, 604800),
  'load_balancing.algorithm.type': (v) => oneOf(v, ['round_robin', 'least_outstanding_requests', 'weighted_random']),
  'load_balancing.cross_zone.enabled': (v) => oneOf(v, ['true', 'false', 'use_load_balancer_configuration']),
  'deregistration_delay.connection_termination.enabled': (v) => oneOf(v, ['true', 'false']),
  'proxy_protocol_v2.enabled': (v) => oneOf(v, ['true', 'false']),
};

function intIn(v: string, lo: number, hi: number): string | undefined {
  return /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi ? undefined : `an integer from ${lo} to ${hi}`;
}

function oneOf(v: string, values: readonly string[]): string | undefined {
  return values.includes(v) ? undefined : `one of ${values.join(', ')}`;
}

export function describeTargetGroupAttributes(input: DescribeTargetGroupAttributesInput, ctx: OperationContext): DescribeTargetGroupAttributesOutput {
  const { r, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  done();
  return { Attributes: toAttributes(requireTargetGroup(ctx, arn).attributes) };
}

export function modifyTargetGroupAttributes(input: ModifyTargetGroupAttributesInput, ctx: OperationContext): ModifyTargetGroupAttributesOutput {
  const { r, problems, done } = reader(input);
  const arn = r.string('TargetGroupArn', { required: true }) ?? '';
  const tg = requireTargetGroup(ctx, arn);
  const next = applyAttributes(tg.attributes, input.Attributes, ATTRIBUTE_RULES, () => 'a known attribute', `a ${tg.protocol} target group`, problems);
  if (next['stickiness.enabled'] === 'true' && next['stickiness.type'] !== 'lb_cookie' && tg.protocol === 'HTTP') {
    problems.add({ field: 'stickiness.type', found: describeValue(next['stickiness.type']), expected: 'lb_cookie (Slipway does not implement application-cookie stickiness)' });
  }
  done();
  return ctx.store.tx(() => {
    ctx.store.run('UPDATE elbv2_target_groups SET attributes = ? WHERE arn = ?', JSON.stringify(next), arn);
    ctx.bus.publish({ type: 'elbv2.target-group.attributes-modified', resource: arn, detail: { attributes: next } });
    return { Attributes: toAttributes(next) };
  });
}
