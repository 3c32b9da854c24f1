// Deploy/AWS/ECS, the standard (rolling) ECS deploy: imagedefinitions.json → a new revision of the service's task
// definition → UpdateService, followed until the deployment completes, fails (circuit breaker) or DeploymentTimeout passes.
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../../core/errors.ts';
import { uuid } from '../../../core/ids.ts';
import { waitFor, WaitTimeout } from '../../../core/wait.ts';
import { nearName } from '../../../specs/near-name.ts';
import { deploymentsOf, getService, requireActiveService } from '../../../services/ecs/service-store.ts';
import { updateService } from '../../../services/ecs/services.ts';
import { registerTaskDefinition } from '../../../services/ecs/task-definitions.ts';
import { loadTaskDefinitionBody } from '../../../services/ecs/task-store.ts';
import { requireCluster } from '../../../services/ecs/tasks.ts';
import type { OperationContext } from '../../../services/types.ts';
import type { EngineContext } from '../../types.ts';
import { ActionFailure, type ActionJob, type ActionProvider, type ActionResult } from '../types.ts';
import { unzip } from './zip.ts';

/** The image definitions file's size limit (CodePipeline's file reference). */
export const MAX_IMAGE_DEFINITIONS_BYTES = 100 * 1024;
/** DeploymentTimeout: minutes, 1–60, default 60 (the action's own timeout). */
export const MAX_DEPLOYMENT_TIMEOUT_MINUTES = 60;
const SHAPE = '[{"name": "<container name>", "imageUri": "<image URI>"}]';

export interface ImageDefinition {
  readonly name: string;
  readonly imageUri: string;
}

/** Reads and checks the image definitions file of the action's (single) input artifact. */
export async function readImageDefinitions(job: ActionJob, fileName: string): Promise<ImageDefinition[]> {
  const input = job.inputArtifacts[0];
  if (input === undefined) throw new ActionFailure('The ECS deploy action needs one input artifact holding the image definitions file', 'ConfigurationError');
  const files = await unzip(await input.read());
  const content = files.get(fileName);
  if (content === undefined) {
    const near = nearName(fileName, files.keys());
    throw new ActionFailure(
      `The image definitions file ${fileName} was not found in the input artifact ${input.name}${near === undefined ? '' : `; ${near} is there, did you mean it (set FileName)?`} (files: ${[...files.keys()].slice(0, 20).join(', ') || 'none'})`,
      'ConfigurationError',
    );
  }
  if (content.length > MAX_IMAGE_DEFINITIONS_BYTES) {
    throw new ActionFailure(`The image definitions file ${fileName} in ${input.name} is ${content.length} bytes; at most 100 KB are allowed`, 'ConfigurationError');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content.toString('utf8'));
  } catch (error) {
    throw new ActionFailure(`The image definitions file ${fileName} in ${input.name} is not valid JSON (${error instanceof Error ? error.message : String(error)}); expected ${SHAPE}`, 'ConfigurationError');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ActionFailure(`The image definitions file ${fileName} in ${input.name} holds ${JSON.stringify(parsed).slice(0, 100)}; expected a non-empty array ${SHAPE}`, 'ConfigurationError');
  }
  return parsed.map((entry: unknown, i) => {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e['name'] !== 'string' || e['name'] === '' || typeof e['imageUri'] !== 'string' || e['imageUri'] === '') {
      throw new ActionFailure(`The image definitions file ${fileName} in ${input.name}: entry [${i}] is ${JSON.stringify(entry).slice(0, 200)}; expected {"name": "<container name>", "imageUri": "<image URI>"}`, 'ConfigurationError');
    }
    return { name: e['name'], imageUri: e['imageUri'] };
  });
}

function deploymentTimeout(value: string | undefined): number {
  if (value === undefined || value === '') return MAX_DEPLOYMENT_TIMEOUT_MINUTES;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEPLOYMENT_TIMEOUT_MINUTES) {
    throw new ActionFailure(`DeploymentTimeout is ${JSON.stringify(value)}; expected whole minutes from 1 to ${MAX_DEPLOYMENT_TIMEOUT_MINUTES}`, 'ConfigurationError');
  }
  return n;
}

interface Started {
  readonly serviceArn: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  readonly deadline: number;
}

export function ecsDeploy(ctx: EngineContext): ActionProvider {
  const op = (): OperationContext => ({ ...ctx, request: { requestId: uuid() } });
  const asFailure = (what: string, error: unknown): ActionFailure => {
    if (error instanceof ActionFailure) return error;
    const code = error instanceof SlipwayError ? `${error.code}: ` : '';
    return new ActionFailure(`${what}: ${code}${error instanceof Error ? error.message : String(error)}`, 'JobFailed');
  };

  async function start(job: ActionJob): Promise<Started> {
    const c = job.configuration;
    const fileName = c['FileName'] || 'imagedefinitions.json';
    const timeout = deploymentTimeout(c['DeploymentTimeout']);
    const definitions = await readImageDefinitions(job, fileName);
    const service = (() => {
      try {
        return requireActiveService(ctx, requireCluster(ctx, c['ClusterName']), c['ServiceName'] ?? '');
      } catch (error) {
        throw asFailure(`The service ${c['ServiceName'] ?? ''} in cluster ${c['ClusterName'] ?? ''}`, error);
      }
    })();
    if (service.controller !== 'ECS') {
      // AWS's UpdateService wording, before anything is registered.
      throw new ActionFailure(
        `Unable to update task definition on services with a ${service.controller} deployment controller. ${service.controller === 'CODE_DEPLOY' ? 'Use AWS CodeDeploy to trigger a new deployment.' : 'Use the task set APIs instead.'} (service ${service.name} has deploymentController ${service.controller}; the ECS deploy action needs the ECS controller${service.controller === 'CODE_DEPLOY' ? ', use a Deploy/AWS/CodeDeployToECS action' : ''})`,
        'JobFailed',
      );
    }
    const current = service.taskDefinition;
    const body = current === undefined ? undefined : loadTaskDefinitionBody(ctx, current);
    if (current === undefined || body === undefined) throw new ActionFailure(`Service ${service.name} has no task definition to make a new revision of`, 'JobFailed');
    const containers: ContainerDefinition[] = (body.containerDefinitions ?? []).map((d) => ({ ...d }));
    for (const def of definitions) {
      const container = containers.find((d) => d.name === def.name);
      if (container === undefined) {
        const near = nearName(def.name, containers.map((d) => d.name ?? ''));
        throw new ActionFailure(
          `The image definitions file ${fileName} names the container "${def.name}", which task definition ${current.split('/').pop() ?? current} of service ${service.name} does not have${near === undefined ? '' : ` (did you mean "${near}"?)`}; its containers: ${containers.map((d) => d.name).join(', ')}`,
          'JobFailed',
        );
      }
      container.image = def.imageUri;
    }
    // The new revision, the deployment and the persisted resume state commit together: a crash (kill -9) in between
    // leaves none of them, so the resumed action starts once, not a second revision and a second deployment.
    return ctx.store.tx(() => {
      let taskDefinitionArn: string;
      try {
        taskDefinitionArn = registerTaskDefinition({ ...body, containerDefinitions: containers }, op()).taskDefinition?.taskDefinitionArn ?? '';
        updateService({ cluster: service.cluster, service: service.name, taskDefinition: taskDefinitionArn }, op());
      } catch (error) {
        throw asFailure(`Deploying to service ${service.name}`, error);
      }
      const deployment = deploymentsOf(ctx, service.arn).find((d) => d.status === 'PRIMARY' && d.taskDefinition === taskDefinitionArn);
      if (deployment === undefined) throw new ActionFailure(`UpdateService started no deployment of ${taskDefinitionArn} on service ${service.name}`, 'JobFailed');
      const started = { serviceArn: service.arn, deploymentId: deployment.id, taskDefinitionArn, deadline: ctx.clock.now() + timeout * 60_000 };
      job.persist({ ...started });
      return started;
    });
  }

  function resumed(job: ActionJob): Started | undefined {
    const s = job.resumeState;
    if (s === undefined || typeof s['deploymentId'] !== 'string' || typeof s['serviceArn'] !== 'string') return undefined;
    return { serviceArn: s['serviceArn'], deploymentId: s['deploymentId'], taskDefinitionArn: typeof s['taskDefinitionArn'] === 'string' ? s['taskDefinitionArn'] : '', deadline: Number(s['deadline'] ?? 0) };
  }

  return {
    category: 'Deploy',
    owner: 'AWS',
    provider: 'ECS',
    // The deployment lives in ECS: after a restart the action follows the same deployment again.
    resumable: true,
    async run(job): Promise<ActionResult> {
      const d = resumed(job) ?? (await start(job));
      const name = d.serviceArn.split('/').pop() ?? d.serviceArn;
      job.progress({ summary: `Deployment ${d.deploymentId} of service ${name} in progress (${d.taskDefinitionArn.split('/').pop() ?? ''})`, externalExecutionId: d.deploymentId });
      try {
        await waitFor(ctx, {
          on: (e) => e.resource === d.serviceArn && e.type.startsWith('ecs.service.'),
          check: () => {
            const service = getService(ctx, d.serviceArn);
            if (service?.status !== 'ACTIVE') throw new ActionFailure(`Service ${name} was deleted during deployment ${d.deploymentId}`, 'JobFailed');
            const all = deploymentsOf(ctx, d.serviceArn, true);
            const mine = all.find((x) => x.id === d.deploymentId);
            if (mine?.rolloutState === 'FAILED') throw new ActionFailure(`Deployment ${d.deploymentId} of service ${name} failed: ${mine.rolloutReason}`, 'JobFailed');
            if (mine?.rolloutState === 'COMPLETED') return true;
            if (mine === undefined || mine.status !== 'PRIMARY') {
              const primary = all.find((x) => x.status === 'PRIMARY');
              throw new ActionFailure(`Deployment ${d.deploymentId} of service ${name} was replaced by deployment ${primary?.id ?? '(none)'} before it completed`, 'JobFailed');
            }
            return undefined;
          },
          timeoutMs: Math.max(0, d.deadline - ctx.clock.now()),
          what: `ECS deployment ${d.deploymentId}`,
          signal: job.signal,
        });
      } catch (error) {
        if (error instanceof WaitTimeout) {
          throw new ActionFailure(`Deployment ${d.deploymentId} of service ${name} did not reach a steady state within the DeploymentTimeout; the service keeps deploying, see DescribeServices`, 'JobFailed');
        }
        throw error;
      }
      return { summary: `Deployment ${d.deploymentId} of service ${name} completed (${d.taskDefinitionArn.split('/').pop() ?? ''})`, externalExecutionId: d.deploymentId };
    },
  };
}
