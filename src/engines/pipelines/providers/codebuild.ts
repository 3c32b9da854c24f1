// Build|Test/AWS/CodeBuild: starts a build of the project on the primary input artifact, follows it, and returns its
// artifacts as the action's output artifacts and its exported variables as the action's output variables.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { dirname, join, resolve, sep } from 'node:path';
import type { EnvironmentVariable } from '@aws-sdk/client-codebuild';
import { waitFor } from '../../../core/wait.ts';
import { loadBuild, type BuildRecord } from '../../../services/codebuild/build-state.ts';
import { startBuildAs } from '../../../services/codebuild/builds.ts';
import type { EngineContext } from '../../types.ts';
import { ActionFailure, type ActionJob, type ActionProvider, type ActionResult } from '../types.ts';
import { unzip } from './zip.ts';

/** The action's EnvironmentVariables: a JSON array of {name, value, type}; type defaults to PLAINTEXT. */
export function readEnvironmentVariables(text: string | undefined): EnvironmentVariable[] {
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ActionFailure(`EnvironmentVariables is not valid JSON (${error instanceof Error ? error.message : String(error)}); expected [{"name":"…","value":"…","type":"PLAINTEXT"}]`, 'ConfigurationError');
  }
  if (!Array.isArray(parsed)) throw new ActionFailure('EnvironmentVariables is not a JSON array; expected [{"name":"…","value":"…","type":"PLAINTEXT"}]', 'ConfigurationError');
  return parsed.map((v: unknown, i) => {
    const item = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    const { name, value, type = 'PLAINTEXT' } = item;
    if (typeof name !== 'string' || typeof value !== 'string' || !['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER'].includes(String(type))) {
      throw new ActionFailure(`EnvironmentVariables[${i}]: found ${JSON.stringify(v)}; expected {"name": string, "value": string, "type": PLAINTEXT | PARAMETER_STORE | SECRETS_MANAGER}`, 'ConfigurationError');
    }
    return { name, value, type: type as EnvironmentVariable['type'] };
  });
}

/** Unpacks a zip into `dir`, refusing entries that would land outside it. */
async function unpack(zip: Buffer, dir: string): Promise<void> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  for (const [path, content] of await unzip(zip)) {
    const target = resolve(root, path);
    if (!target.startsWith(root + sep)) throw new ActionFailure(`The input artifact holds ${path}, which points outside the source directory`, 'ConfigurationError');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}

function failureMessage(build: BuildRecord): string {
  const failed = build.phases.find((p) => p.phaseStatus !== undefined && p.phaseStatus !== 'SUCCEEDED');
  const context = failed?.contexts?.[0];
  return `Build terminated with state: ${build.buildStatus}${failed === undefined ? '' : `. Phase: ${failed.phaseType}`}${context === undefined ? '' : `, Code: ${context.statusCode ?? ''}, Message: ${context.message ?? ''}`}`;
}

export function codebuildAction(ctx: EngineContext, category: 'Build' | 'Test'): ActionProvider {
  async function start(job: ActionJob, workDir: string): Promise<string> {
    const c = job.configuration;
    const primaryName = c['PrimarySource'] || job.inputArtifacts[0]?.name;
    const primary = job.inputArtifacts.find((a) => a.name === primaryName);
    if (primary === undefined) throw new ActionFailure(`PrimarySource ${primaryName ?? '(none)'} is not an input artifact of this action`, 'ConfigurationError');
    if (job.inputArtifacts.length > 1) throw new ActionFailure('Slipway builds one input artifact per CodeBuild action (secondary sources are not supported yet)', 'ConfigurationError');
    await unpack(await primary.read(), workDir);
    let id: string;
    try {
      id =
        startBuildAs(
          ctx,
          {
            projectName: c['ProjectName'] ?? '',
            sourceTypeOverride: 'CODEPIPELINE',
            sourceLocationOverride: workDir,
            ...(primary.revisionId === undefined ? {} : { sourceVersion: primary.revisionId }),
            environmentVariablesOverride: readEnvironmentVariables(c['EnvironmentVariables']),
          },
          `codepipeline/${job.pipelineName}`,
        ).id ?? '';
    } catch (error) {
      throw new ActionFailure(`StartBuild failed: ${error instanceof Error ? error.message : String(error)}`, 'ConfigurationError');
    }
    job.persist({ buildId: id });
    return id;
  }

  return {
    category,
    owner: 'AWS',
    provider: 'CodeBuild',
    // The build lives in CodeBuild: after a restart the action follows the same build again.
    resumable: true,
    async run(job): Promise<ActionResult> {
      const workDir = join(ctx.config.dataDir, 'codepipeline', 'work', job.actionExecutionId);
      const resumed = job.resumeState?.['buildId'];
      const buildId = typeof resumed === 'string' && resumed !== '' ? resumed : await start(job, workDir);
      job.progress({ summary: `Build ${buildId} in progress`, externalExecutionId: buildId });
      try {
        const build = await waitFor(ctx, {
          on: (e) => e.type.startsWith('codebuild.build.') && e.detail['id'] === buildId,
          check: () => {
            const b = loadBuild(ctx, buildId);
            if (b === undefined) throw new ActionFailure(`The build ${buildId} no longer exists`, 'JobFailed');
            return b.buildComplete ? b : undefined;
          },
          what: `CodeBuild build ${buildId}`,
          signal: job.signal,
        });
        if (build.buildStatus !== 'SUCCEEDED') throw new ActionFailure(failureMessage(build), 'JobFailed');
        const outputs: Record<string, Uint8Array> = {};
        const name = job.outputArtifactNames[0];
        if (name !== undefined) {
          const sha = build.artifacts?.sha256sum;
          if (sha === undefined) throw new ActionFailure(`The build ${buildId} uploaded no artifacts, but the action declares the output artifact ${name}; add an artifacts section to the buildspec`, 'JobFailed');
          outputs[name] = await buffer(await ctx.blobs.read(`sha256:${sha}`));
        }
        for (const extra of job.outputArtifactNames.slice(1)) {
          const secondary = build.secondaryArtifacts.find((a) => a.artifactIdentifier === extra);
          if (secondary?.sha256sum === undefined) throw new ActionFailure(`The build ${buildId} has no secondary artifact ${extra} (secondary-artifacts identifiers must match the output artifact names)`, 'JobFailed');
          outputs[extra] = await buffer(await ctx.blobs.read(`sha256:${secondary.sha256sum}`));
        }
        const variables = Object.fromEntries((build.exportedEnvironmentVariables ?? []).map((v) => [v.name, v.value]));
        return { outputArtifacts: outputs, outputVariables: variables, summary: `Build ${buildId} succeeded`, externalExecutionId: buildId };
      } finally {
        if (!job.signal.aborted) await rm(workDir, { recursive: true, force: true });
      }
    },
  };
}
