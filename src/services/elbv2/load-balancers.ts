// Load balancers: Create/Describe/DeleteLoadBalancer (application and network) and their attributes.
import type {
  CreateLoadBalancerInput,
  CreateLoadBalancerOutput,
  DeleteLoadBalancerInput,
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  LoadBalancer,
  LoadBalancerStateEnum,
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describeValue } from '../../core/errors.ts';
import { num, str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent } from '../validate.ts';
import { applyAttributes, ELB_NAME, elbArn, elbError, elbId, json, page, readPaging, reader, toAttributes } from './common.ts';
import { deleteTags, putTags, readTagList } from './tags.ts';

export interface LoadBalancerRecord {
  readonly arn: string;
  readonly name: string;
  readonly type: 'application' | 'network';
  readonly scheme: string;
  readonly dnsName: string;
  readonly state: string;
  readonly stateReason?: string;
  readonly attributes: Readonly<Record<string, string>>;
}

const APPLICATION_ATTRIBUTES: Readonly<Record<string, string>> = {
  'idle_timeout.timeout_seconds': '60',
  'deletion_protection.enabled': 'false',
  'routing.http2.enabled': 'true',
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'routing.http.drop_invalid_header_fields.enabled': 'false',
  'routing.http.preserve_host_header.enabled': 'false',
  'routing.http.xff_client_port.enabled': 'false',
  'routing.http.xff_header_processing.mode': 'append',
  'routing.http.desync_mitigation_mode': 'defensive',
  'client_keep_alive.seconds': '3600',
  'load_balancing.cross_zone.enabled': 'true',
};

const NETWORK_ATTRIBUTES: Readonly<Record<string, string>> = {
  'deletion_protection.enabled': 'false',
  'load_balancing.cross_zone.enabled': 'false',
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'dns_record.client_routing_policy': 'any_availability_zone',
};

function toRecord(row: Row): LoadBalancerRecord {
  const reason = str(row, 'state_reason');
  return {
    arn: str(row, 'arn'),
    name: str(row, 'name'),
    type: str(row, 'type') === 'network' ? 'network' : 'application',
    scheme: str(row, 'scheme'),
    dnsName: str(row, 'dns_name'),
    state: str(row, 'state'),
    ...(reason === '' ? {} : { stateReason: reason }),
    attributes: json<Record<string, string>>(str(row, 'attributes')),
  };
}

export function listLoadBalancerRecords(ctx: Pick<ServiceContext, 'store'>): LoadBalancerRecord[] {
  return ctx.store.all('SELECT * FROM elbv2_load_balancers ORDER BY created, arn').map(toRecord);
}

export function requireLoadBalancer(ctx: Pick<ServiceContext, 'store'>, arn: string): LoadBalancerRecord {
  const row = ctx.store.get('SELECT * FROM elbv2_load_balancers WHERE arn = ?', arn);
  if (row === undefined) throw elbError('LoadBalancerNotFound', `One or more load balancers not found: ${arn}`);
  return toRecord(row);
}

/** The engine's report on a load balancer: `active`, or `active_impaired` with the reason (e.g. a port in use). */
export function recordLoadBalancerState(ctx: ServiceContext, arn: string, state: 'active' | 'active_impaired', reason: string | undefined): void {
  ctx.store.tx(() => {
    const row = ctx.store.get('SELECT state, state_reason FROM elbv2_load_balancers WHERE arn = ?', arn);
    if (row === undefined || (str(row, 'state') === state && str(row, 'state_reason') === (reason ?? ''))) return;
    ctx.store.run('UPDATE elbv2_load_balancers SET state = ?, state_reason = ? WHERE arn = ?', state, reason ?? null, arn);
    ctx.bus.publish({ type: 'elbv2.load-balancer.state-changed', resource: arn, detail: { state, ...(reason === undefined ? {} : { reason }) } });
  });
}

function toLoadBalancer(ctx: Pick<ServiceContext, 'config'>, row: Row): LoadBalancer {
  const lb = toRecord(row);
  const subnets = json<string[]>(str(row, 'subnets'));
  const groups = json<string[]>(str(row, 'security_groups'));
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    // us-east-1's hosted zone ids for ALB and NLB: templates that alias to them keep working.
    CanonicalHostedZoneId: lb.type === 'network' ? 'Z26RNL4JYFTOTI' : 'Z35SXDOTRQ7X7K',
    CreatedTime: new Date(num(row, 'created')),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme as LoadBalancer['Scheme'],
    VpcId: 'vpc-slipway',
    State: { Code: lb.state as LoadBalancerStateEnum, ...(lb.stateReason === undefined ? {} : { Reason: lb.stateReason }) },
    Type: lb.type,
    AvailabilityZones: (subnets.length === 0 ? ['subnet-slipway'] : subnets).map((s) => ({ ZoneName: `${ctx.config.region}a`, SubnetId: s, LoadBalancerAddresses: [] })),
    ...(lb.type === 'application' || groups.length > 0 ? { SecurityGroups: groups } : {}),
    IpAddressType: str(row, 'ip_address_type') as LoadBalancer['IpAddressType'],
  };
}

export function createLoadBalancer(input: CreateLoadBalancerInput, ctx: OperationContext): CreateLoadBalancerOutput {
  const { r, problems, done } = reader(input);
  const name = r.string('Name', { ...ELB_NAME, required: true }) ?? '';
  if (name.toLowerCase().startsWith('internal-')) problems.add({ field: 'Name', found: describeValue(name), expected: 'a name not beginning with "internal-"' });
  const type = r.string('Type', { oneOf: ['application', 'network', 'gateway'] }) ?? 'application';
  if (type === 'gateway') problems.add({ field: 'Type', found: 'gateway', expected: 'application or network (Slipway has no gateway load balancers)' });
  const scheme = r.string('Scheme', { oneOf: ['internet-facing', 'internal'] }) ?? 'internet-facing';
  const ipType = r.string('IpAddressType', { oneOf: ['ipv4', 'dualstack', 'dualstack-without-public-ipv4'] }) ?? 'ipv4';
  const subnets = r.stringList('Subnets') ?? [];
  const mappings = Array.isArray(input.SubnetMappings) ? input.SubnetMappings.map((m) => m.SubnetId ?? '') : [];
  const groups = r.stringList('SecurityGroups') ?? [];
  const tags = readTagList(input.Tags, problems, 'Tags');
  done();
  const allSubnets = [...subnets, ...mappings].filter((s) => s !== '');
  return ctx.store.tx(() => {
    const existing = ctx.store.get('SELECT * FROM elbv2_load_balancers WHERE name = ?', name);
    if (existing !== undefined) {
      // A repeated identical create returns the existing load balancer, as AWS does.
      if (str(existing, 'type') === type && str(existing, 'scheme') === scheme) return { LoadBalancers: [toLoadBalancer(ctx, existing)] };
      throw elbError('DuplicateLoadBalancerName', `A load balancer with the same name '${name}' exists, but with different settings`);
    }
    const id = elbId();
    const arn = elbArn(ctx, `loadbalancer/${type === 'network' ? 'net' : 'app'}/${name}/${id}`);
    // `.localhost` names resolve to loopback (RFC 6761), where Slipway's listeners are.
    const dnsName = `${scheme === 'internal' ? 'internal-' : ''}${name}-${id.slice(0, 10)}.${ctx.config.region}.elb.localhost`.toLowerCase();
    ctx.store.run(
      'INSERT INTO elbv2_load_balancers (arn, name, type, scheme, ip_address_type, dns_name, state, state_reason, security_groups, subnets, attributes, created) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)',
      arn,
      name,
      type,
      scheme,
      ipType,
      dnsName,
      'active',
      JSON.stringify(groups),
      JSON.stringify(allSubnets),
      JSON.stringify(type === 'network' ? NETWORK_ATTRIBUTES : APPLICATION_ATTRIBUTES),
      ctx.clock.now(),
    );
    putTags(ctx, arn, tags);
    ctx.bus.publish({ type: 'elbv2.load-balancer.created', resource: arn, detail: { name, type } });
    const row = ctx.store.get('SELECT * FROM elbv2_load_balancers WHERE arn = ?', arn);
    assertPresent(row, 'inserted above');
    return { LoadBalancers: [toLoadBalancer(ctx, row)] };
  });
}

export function describeLoadBalancers(input: DescribeLoadBalancersInput, ctx: OperationContext): DescribeLoadBalancersOutput {
  const { r, done } = reader(input);
  const arns = r.stringList('LoadBalancerArns');
  const names = r.stringList('Names');
  const { marker, pageSize } = readPaging(r);
  done();
  let rows: Row[];
  if (arns !== undefined || names !== undefined) {
    rows = [...(arns ?? []).map((a) => [a, 'arn'] as const), ...(names ?? []).map((n) => [n, 'name'] as const)].map(([key, column]) => {
      const row = ctx.store.get(`SELECT * FROM elbv2_load_balancers WHERE ${column} = ?`, key);
      if (row === undefined) throw elbError('LoadBalancerNotFound', `One or more load balancers not found: ${key}`);
      return row;
    });
  } else {
    rows = ctx.store.all('SELECT * FROM elbv2_load_balancers ORDER BY created, arn');
  }
  const p = page(rows, pageSize, marker);
  return { LoadBalancers: p.items.map((row) => toLoadBalancer(ctx, row)), ...(p.nextMarker === undefined ? {} : { NextMarker: p.nextMarker }) };
}

export function deleteLoadBalancer(input: DeleteLoadBalancerInput, ctx: OperationContext): Record<string, never> {
  const { r, done } = reader(input);
  const arn = r.string('LoadBalancerArn', { required: true }) ?? '';
  done();
  ctx.store.tx(() => {
    const row = ctx.store.get('SELECT * FROM elbv2_load_balancers WHERE arn = ?', arn);
    if (row === undefined) return; // deleting a deleted load balancer succeeds, as on AWS
    const lb = toRecord(row);
    if (lb.attributes['deletion_protection.enabled'] === 'true') {
      throw elbError('OperationNotPermitted', `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
    }
    const children = ctx.store.all(
      'SELECT arn FROM elbv2_listeners WHERE load_balancer_arn = ? UNION ALL SELECT r.arn FROM elbv2_rules r JOIN elbv2_listeners l ON r.listener_arn = l.arn WHERE l.load_balancer_arn = ?',
      arn,
      arn,
    );
    for (const c of children) deleteTags(ctx, str(c, 'arn'));
    deleteTags(ctx, arn);
    ctx.store.run('DELETE FROM elbv2_load_balancers WHERE arn = ?', arn);
    ctx.bus.publish({ type: 'elbv2.load-balancer.deleted', resource: arn, detail: { name: lb.name } });
  });
  return {};
}

const BOOLEAN = (v: string): string | undefined => (v === 'true' || v === 'false' ? undefined : 'true or false');

const ATTRIBUTE_RULES: Readonly<Record<string, (v: string) => string | undefined>> = {
  'idle_timeout.timeout_seconds': (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 4000 ? undefined : 'an integer from 1 to 4000'),
  'client_keep_alive.seconds': (v) => (/^\d+$/.test(v) && Number(v) >= 60 && Number(v) <= 604800 ? undefined : 'an integer from 60 to 604800'),
  'routing.http.xff_header_processing.mode': (v) => (['append', 'preserve', 'remove'].includes(v) ? undefined : 'append, preserve or remove'),
  'routing.http.desync_mitigation_mode': (v) => (['monitor', 'defensive', 'strictest'].includes(v) ? undefined : 'monitor, defensive or strictest'),
  'dns_record.client_routing_policy': (v) =>
    ['availability_zone_affinity', 'partial_availability_zone_affinity', 'any_availability_zone'].includes(v) ? undefined : 'availability_zone_affinity, partial_availability_zone_affinity or any_availability_zone',
  'access_logs.s3.bucket': () => undefined,
  'access_logs.s3.prefix': () => undefined,
};

export function describeLoadBalancerAttributes(input: DescribeLoadBalancerAttributesInput, ctx: OperationContext): DescribeLoadBalancerAttributesOutput {
  const { r, done } = reader(input);
  const arn = r.string('LoadBalancerArn', { required: true }) ?? '';
  done();
  return { Attributes: toAttributes(requireLoadBalancer(ctx, arn).attributes) };
}

export function modifyLoadBalancerAttributes(input: ModifyLoadBalancerAttributesInput, ctx: OperationContext): ModifyLoadBalancerAttributesOutput {
  const { r, problems, done } = reader(input);
  const arn = r.string('LoadBalancerArn', { required: true }) ?? '';
  const lb = requireLoadBalancer(ctx, arn);
  const next = applyAttributes(lb.attributes, input.Attributes, ATTRIBUTE_RULES, BOOLEAN, `a ${lb.type} load balancer`, problems);
  done();
  return ctx.store.tx(() => {
    ctx.store.run('UPDATE elbv2_load_balancers SET attributes = ? WHERE arn = ?', JSON.stringify(next), arn);
    ctx.bus.publish({ type: 'elbv2.load-balancer.attributes-modified', resource: arn, detail: { attributes: next } });
    return { Attributes: toAttributes(next) };
  });
}
