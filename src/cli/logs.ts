// `slipway logs build ID | service CLUSTER SERVICE | group NAME`: CloudWatch-Logs-shaped logs read over the API.
import type { BatchGetBuildsOutput } from '@aws-sdk/client-codebuild';
import type { FilterLogEventsResponse, GetLogEventsResponse } from '@aws-sdk/client-cloudwatch-logs';
import type { DescribeServicesResponse, DescribeTaskDefinitionResponse } from '@aws-sdk/client-ecs';
import { SlipwayError } from '../core/errors.ts';
import { callApi, TARGETS } from './api.ts';
import { callDaemon } from './client.ts';
import { readEventStream } from './events.ts';

const ECS = 'AmazonEC2ContainerServiceV20141113';

/** Every event of one stream from the start, page by page (GetLogEvents stops when the forward token repeats). */
async function printStream(endpoint: string, group: string, stream: string, out: (line: string) => void): Promise<void> {
  let token: string | undefined;
  for (;;) {
    const page = await callApi<GetLogEventsResponse>(endpoint, `${TARGETS.logs}.GetLogEvents`, { logGroupName: group, logStreamName: stream, startFromHead: true, ...(token === undefined ? {} : { nextToken: token }) });
    for (const e of page.events ?? []) out((e.message ?? '').trimEnd());
    if (page.nextForwardToken === undefined || page.nextForwardToken === token) return;
    token = page.nextForwardToken;
  }
}

export async function logsBuild(endpoint: string, id: string, follow: boolean, out: (line: string) => void, signal?: AbortSignal): Promise<number> {
  const build = (await callApi<BatchGetBuildsOutput>(endpoint, `${TARGETS.codebuild}.BatchGetBuilds`, { ids: [id] })).builds?.[0];
  if (build === undefined) throw new SlipwayError('ResourceNotFoundException', `No build ${id}; expected an id like project:uuid (aws codebuild list-builds)`);
  const group = build.logs?.groupName;
  const stream = build.logs?.streamName;
  const live = follow && build.buildComplete !== true;
  // Subscribe before reading the stored lines, so nothing written in between is lost (a line may then print twice).
  const res = live ? await callDaemon(endpoint, `/_slipway/events?since=now&follow=true&type=codebuild.build.*`, signal === undefined ? {} : { signal }) : undefined;
  if (group !== undefined && stream !== undefined) await printStream(endpoint, group, stream, out);
  if (res?.body == null) return build.buildStatus === 'SUCCEEDED' || build.buildComplete !== true ? 0 : 3;
  try {
    for await (const e of readEventStream(res.body)) {
      if (e.detail['id'] !== id) continue;
      if (e.type === 'codebuild.build.log' && Array.isArray(e.detail['lines'])) for (const l of e.detail['lines'] as unknown[]) out(String(l).trimEnd());
      const status = e.detail['buildStatus'];
      if (typeof status === 'string' && status !== 'IN_PROGRESS' && status !== 'QUEUED' && e.type !== 'codebuild.build.log') return status === 'SUCCEEDED' ? 0 : 3;
    }
  } catch (error) {
    if (signal?.aborted === true) return 0;
    throw error;
  }
  return 0;
}

/** The service's containers' awslogs streams, via its task definition's logConfiguration. */
export async function logsService(endpoint: string, cluster: string, service: string, out: (line: string) => void): Promise<number> {
  const svc = (await callApi<DescribeServicesResponse>(endpoint, `${ECS}.DescribeServices`, { cluster, services: [service] })).services?.[0];
  if (svc?.taskDefinition === undefined) throw new SlipwayError('ServiceNotFoundException', `No service ${service} in cluster ${cluster}`);
  const td = (await callApi<DescribeTaskDefinitionResponse>(endpoint, `${ECS}.DescribeTaskDefinition`, { taskDefinition: svc.taskDefinition })).taskDefinition;
  let printed = 0;
  for (const c of td?.containerDefinitions ?? []) {
    const options = c.logConfiguration?.logDriver === 'awslogs' ? c.logConfiguration.options : undefined;
    const group = options?.['awslogs-group'];
    if (group === undefined) continue;
    const prefix = options?.['awslogs-stream-prefix'];
    printed += await printFiltered(endpoint, group, prefix === undefined ? undefined : `${prefix}/${c.name ?? ''}/`, out);
  }
  if (printed === 0) out(`No log events for ${service} (its containers log with the awslogs driver to the groups in ${svc.taskDefinition}).`);
  return 0;
}

export async function logsGroup(endpoint: string, group: string, streamPrefix: string | undefined, out: (line: string) => void): Promise<number> {
  await printFiltered(endpoint, group, streamPrefix, out);
  return 0;
}

async function printFiltered(endpoint: string, group: string, streamPrefix: string | undefined, out: (line: string) => void): Promise<number> {
  let token: string | undefined;
  let count = 0;
  do {
    const page = await callApi<FilterLogEventsResponse>(endpoint, `${TARGETS.logs}.FilterLogEvents`, {
      logGroupName: group,
      ...(streamPrefix === undefined ? {} : { logStreamNamePrefix: streamPrefix }),
      ...(token === undefined ? {} : { nextToken: token }),
    });
    for (const e of page.events ?? []) {
      out(`${e.logStreamName ?? ''}  ${(e.message ?? '').trimEnd()}`);
      count++;
    }
    token = page.nextToken;
  } while (token !== undefined);
  return count;
}
