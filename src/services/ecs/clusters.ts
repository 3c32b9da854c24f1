// ECS clusters, API only: create (idempotent while ACTIVE), describe with MISSING failures, list, delete to INACTIVE.
import type {
  Cluster,
  CreateClusterRequest,
  CreateClusterResponse,
  DeleteClusterRequest,
  DeleteClusterResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  Failure,
  ListClustersRequest,
  ListClustersResponse,
} from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { arn } from '../../core/ids.ts';
import { str, type Row } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { assertPresent, InputReader } from '../validate.ts';
import { page } from './paging.ts';

const CLUSTER_NAME = { min: 1, max: 255, pattern: /^[A-Za-z0-9_-]+$/, patternText: "letters, digits, '-' and '_' (1-255)" };

export function clusterArn(ctx: ServiceContext, name: string): string {
  return arn(ctx.config, 'ecs', `cluster/${name}`);
}

/** Accepts a cluster name or ARN, as every ECS `cluster` member does; absent means "default". */
export function clusterName(ref: string | undefined): string {
  if (ref === undefined || ref === '') return 'default';
  const m = /^arn:aws[a-z-]*:ecs:[^:]*:[^:]*:cluster\/(.+)$/.exec(ref);
  return m?.[1] ?? ref;
}

/** Live counts, as AWS reports them: RUNNING and PENDING tasks, ACTIVE services. */
function clusterCounts(row: Row, ctx: ServiceContext): { runningTasksCount: number; pendingTasksCount: number; activeServicesCount: number } {
  const name = str(row, 'name');
  const tasks = ctx.store.get(
    "SELECT sum(last_status = 'RUNNING') AS running, sum(last_status IN ('PROVISIONING', 'PENDING', 'ACTIVATING')) AS pending FROM ecs_tasks WHERE cluster = ?",
    name,
  );
  const services = ctx.store.get("SELECT count(*) AS n FROM ecs_services WHERE cluster = ? AND status = 'ACTIVE'", name);
  return { runningTasksCount: Number(tasks?.['running'] ?? 0), pendingTasksCount: Number(tasks?.['pending'] ?? 0), activeServicesCount: Number(services?.['n'] ?? 0) };
}

type Include = 'ATTACHMENTS' | 'CONFIGURATIONS' | 'SETTINGS' | 'STATISTICS' | 'TAGS';
const INCLUDES = ['ATTACHMENTS', 'CONFIGURATIONS', 'SETTINGS', 'STATISTICS', 'TAGS'] as const;

/** Like AWS, settings, statistics and tags appear only when DescribeClusters asks for them (CreateCluster returns settings). */
function toCluster(row: Row, ctx: OperationContext, include: readonly string[] = []): Cluster {
  const name = str(row, 'name');
  return {
    clusterArn: clusterArn(ctx, name),
    clusterName: name,
    status: str(row, 'status'),
    registeredContainerInstancesCount: 0,
    ...clusterCounts(row, ctx),
    ...(include.includes('STATISTICS' satisfies Include) ? { statistics: [] } : {}),
    ...(include.includes('TAGS' satisfies Include) ? { tags: [] } : {}),
    ...(include.includes('SETTINGS' satisfies Include) ? { settings: [{ name: 'containerInsights', value: 'disabled' }] } : {}),
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
  };
}

export function createCluster(input: CreateClusterRequest, ctx: OperationContext): CreateClusterResponse {
  const r = new InputReader({ clusterName: input.clusterName });
  const name = r.string('clusterName', CLUSTER_NAME) ?? 'default';
  r.done();
  return ctx.store.tx(() => {
    const existing = ctx.store.get('SELECT * FROM ecs_clusters WHERE name = ?', name);
    // AWS returns the existing cluster unchanged when an ACTIVE one has this name.
    if (existing !== undefined && str(existing, 'status') === 'ACTIVE') return { cluster: toCluster(existing, ctx, ['SETTINGS']) };
    ctx.store.run(
      `INSERT INTO ecs_clusters (name, status, created_at) VALUES (?, 'ACTIVE', ?)
       ON CONFLICT(name) DO UPDATE SET status = 'ACTIVE', created_at = excluded.created_at`,
      name,
      ctx.clock.now(),
    );
    ctx.bus.publish({ type: 'ecs.cluster.created', resource: clusterArn(ctx, name), detail: { name } });
    const row = ctx.store.get('SELECT * FROM ecs_clusters WHERE name = ?', name);
    assertPresent(row, 'inserted above');
    return { cluster: toCluster(row, ctx, ['SETTINGS']) };
  });
}

export function describeClusters(input: DescribeClustersRequest, ctx: OperationContext): DescribeClustersResponse {
  const r = new InputReader(input);
  const refs = r.stringList('clusters', { max: 100 }) ?? ['default'];
  const include = r.stringList('include', { item: { oneOf: INCLUDES } }) ?? [];
  r.done();
  const clusters: Cluster[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const name = clusterName(ref);
    const row = ctx.store.get('SELECT * FROM ecs_clusters WHERE name = ?', name);
    if (row === undefined) failures.push({ arn: clusterArn(ctx, name), reason: 'MISSING' });
    else clusters.push(toCluster(row, ctx, include));
  }
  return { clusters, failures };
}

export function listClusters(input: ListClustersRequest, ctx: OperationContext): ListClustersResponse {
  const r = new InputReader(input);
  const maxResults = r.integer('maxResults', { min: 1, max: 100 });
  const nextToken = r.string('nextToken');
  r.done();
  const names = ctx.store.all("SELECT name FROM ecs_clusters WHERE status = 'ACTIVE' ORDER BY name").map((row) => clusterArn(ctx, str(row, 'name')));
  const p = page(names, maxResults, nextToken);
  return { clusterArns: p.items, ...(p.nextToken === undefined ? {} : { nextToken: p.nextToken }) };
}

export function deleteCluster(input: DeleteClusterRequest, ctx: OperationContext): DeleteClusterResponse {
  const r = new InputReader(input);
  const ref = r.string('cluster', { required: true, min: 1 });
  r.done();
  const name = clusterName(ref);
  return ctx.store.tx(() => {
    const row = ctx.store.get("SELECT * FROM ecs_clusters WHERE name = ? AND status = 'ACTIVE'", name);
    if (row === undefined) throw new SlipwayError('ClusterNotFoundException', `Cluster not found: ${ref ?? name} has no ACTIVE cluster; expected the name or ARN of an existing cluster`);
    if (ctx.store.get("SELECT 1 FROM ecs_services WHERE cluster = ? AND status != 'INACTIVE'", name) !== undefined) {
      throw new SlipwayError('ClusterContainsServicesException', `The Cluster cannot be deleted while Services are active: ${name} has services that are not INACTIVE; delete them first`);
    }
    if (ctx.store.get("SELECT 1 FROM ecs_tasks WHERE cluster = ? AND last_status != 'STOPPED'", name) !== undefined) {
      throw new SlipwayError('ClusterContainsTasksException', `The Cluster cannot be deleted while Tasks are active: ${name} has tasks that are not STOPPED; stop them first`);
    }
    ctx.store.run("UPDATE ecs_clusters SET status = 'INACTIVE' WHERE name = ?", name);
    ctx.bus.publish({ type: 'ecs.cluster.deleted', resource: clusterArn(ctx, name), detail: { name } });
    return { cluster: { ...toCluster(row, ctx), status: 'INACTIVE' } };
  });
}
