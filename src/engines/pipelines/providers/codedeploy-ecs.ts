// Deploy/AWS/CodeDeployToECS: fills the taskdef's <IMAGEn_NAME> from imageDetail.json, registers it, puts its ARN in the
// appspec's <TASK_DEFINITION>, creates the CodeDeploy deployment and follows it to its end (resumable after a restart).
import { uuid } from '../../../core/ids.ts';
import { waitFor } from '../../../core/wait.ts';
import { nearName } from '../../../specs/near-name.ts';
import { createDeployment } from '../../../services/codedeploy/deployments.ts';
import { getDeploymentRecord } from '../../../services/codedeploy/lifecycle.ts';
import { registerTaskDefinition } from '../../../services/ecs/task-definitions.ts';
import type { OperationContext } from '../../../services/types.ts';
import type { EngineContext } from '../../types.ts';
import { ActionFailure, type ActionJob, type ActionProvider, type ActionResult } from '../types.ts';
import { unzip } from './zip.ts';

/** CodePipeline's input limit for this action (CP-limits). */
export const MAX_INPUT_BYTES = 3 * 1024 * 1024;
const ENDED = new Set(['Succeeded', 'Failed', 'Stopped']);

type Files = Map<string, Buffer>;

async function artifacts(job: ActionJob): Promise<Map<string, Files>> {
  const out = new Map<string, Files>();
  for (const input of job.inputArtifacts) {
    const zip = await input.read();
    if (zip.length > MAX_INPUT_BYTES) {
      throw new ActionFailure(`Input artifact ${input.name} is ${zip.length} bytes; the CodeDeployToECS action takes input artifacts of at most 3 MB`, 'ConfigurationError');
    }
    out.set(input.name, await unzip(zip));
  }
  return out;
}

function file(all: Map<string, Files>, artifact: string, path: string, key: string): string {
  const files = all.get(artifact);
  if (files === undefined) throw new ActionFailure(`${key} names the artifact ${artifact}, which is not an input artifact of this action (inputs: ${[...all.keys()].join(', ')})`, 'ConfigurationError');
  const content = files.get(path);
  if (content === undefined) {
    const near = nearName(path, files.keys());
    throw new ActionFailure(
      `The file ${path} was not found in the artifact ${artifact}${near === undefined ? '' : `; ${near} is there, did you mean it?`} (files: ${[...files.keys()].slice(0, 20).join(', ')})`,
      'ConfigurationError',
    );
  }
  return content.toString('utf8');
}

/** <IMAGEn_NAME> (the placeholder named by ImagenContainerName) ← ImageURI of imageDetail.json in ImagenArtifactName. */
function substituteImages(taskdef: string, config: Readonly<Record<string, string>>, all: Map<string, Files>): string {
  let out = taskdef;
  for (const n of [1, 2, 3, 4]) {
    const artifact = config[`Image${n}ArtifactName`];
    if (artifact === undefined || artifact === '') continue;
    const placeholder = config[`Image${n}ContainerName`] ?? `IMAGE${n}_NAME`;
    const detail = file(all, artifact, 'imageDetail.json', `Image${n}ArtifactName`);
    let uri: unknown;
    try {
      uri = (JSON.parse(detail) as { ImageURI?: unknown }).ImageURI;
    } catch (error) {
      throw new ActionFailure(`imageDetail.json in ${artifact} is not valid JSON (${error instanceof Error ? error.message : String(error)}); expected {"ImageURI": "<repository uri>:<tag>"}`, 'ConfigurationError');
    }
    if (typeof uri !== 'string' || uri === '') throw new ActionFailure(`imageDetail.json in ${artifact} has no ImageURI; expected {"ImageURI": "<repository uri>:<tag>"}`, 'ConfigurationError');
    if (!out.includes(`<${placeholder}>`)) {
      throw new ActionFailure(`The task definition template has no <${placeholder}> placeholder for Image${n}ContainerName=${placeholder}; expected "image": "<${placeholder}>" in a container definition`, 'ConfigurationError');
    }
    out = out.split(`<${placeholder}>`).join(uri);
  }
  return out;
}

export function codedeployToEcs(ctx: EngineContext): ActionProvider {
  const op = (): OperationContext => ({ ...ctx, request: { requestId: uuid() } });

  async function start(job: ActionJob): Promise<string> {
    const c = job.configuration;
    const all = await artifacts(job);
    const taskdefPath = c['TaskDefinitionTemplatePath'] || 'taskdef.json';
    const appspecPath = c['AppSpecTemplatePath'] || 'appspec.yaml';
    const taskdefText = substituteImages(file(all, c['TaskDefinitionTemplateArtifact'] ?? '', taskdefPath, 'TaskDefinitionTemplateArtifact'), c, all);
    let taskdef: unknown;
    try {
      taskdef = JSON.parse(taskdefText);
    } catch (error) {
      throw new ActionFailure(`${taskdefPath} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, 'ConfigurationError');
    }
    let taskDefinitionArn: string;
    try {
      taskDefinitionArn = registerTaskDefinition(taskdef as Parameters<typeof registerTaskDefinition>[0], op()).taskDefinition?.taskDefinitionArn ?? '';
    } catch (error) {
      throw new ActionFailure(`Registering ${taskdefPath} failed: ${error instanceof Error ? error.message : String(error)}`, 'ConfigurationError');
    }
    const appspec = file(all, c['AppSpecTemplateArtifact'] ?? '', appspecPath, 'AppSpecTemplateArtifact').split('<TASK_DEFINITION>').join(taskDefinitionArn);
    let deploymentId: string;
    try {
      deploymentId =
        createDeployment(
          {
            applicationName: c['ApplicationName'] ?? '',
            deploymentGroupName: c['DeploymentGroupName'] ?? '',
            revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appspec } },
            description: `CodePipeline ${job.pipelineName} execution ${job.pipelineExecutionId}`,
          },
          op(),
        ).deploymentId ?? '';
    } catch (error) {
      throw new ActionFailure(`CreateDeployment failed: ${error instanceof Error ? error.message : String(error)}`, 'JobFailed');
    }
    job.persist({ deploymentId, taskDefinitionArn });
    return deploymentId;
  }

  return {
    category: 'Deploy',
    owner: 'AWS',
    provider: 'CodeDeployToECS',
    // The deployment lives in CodeDeploy: after a restart the action follows the same deployment again.
    resumable: true,
    async run(job): Promise<ActionResult> {
      const resumed = job.resumeState?.['deploymentId'];
      const deploymentId = typeof resumed === 'string' && resumed !== '' ? resumed : await start(job);
      job.progress({ summary: `Deployment ${deploymentId} in progress`, externalExecutionId: deploymentId });
      const status = await waitFor(ctx, {
        on: (e) => e.resource === deploymentId && e.type.startsWith('codedeploy.deployment.'),
        check: () => {
          const s = getDeploymentRecord(ctx, deploymentId).status;
          return ENDED.has(s) ? s : undefined;
        },
        what: `CodeDeploy deployment ${deploymentId}`,
        signal: job.signal,
      });
      if (status !== 'Succeeded') {
        const info = getDeploymentRecord(ctx, deploymentId).errorInformation;
        throw new ActionFailure(`Deployment ${deploymentId} ${status.toLowerCase()}${info === undefined ? '' : `: ${info.code} ${info.message}`}`, 'JobFailed');
      }
      return { summary: `Deployment ${deploymentId} succeeded`, externalExecutionId: deploymentId };
    },
  };
}
