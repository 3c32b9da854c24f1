// Reads a CreateDeployment revision: AppSpecContent or String (read and checked as an ECS appspec), or S3 (stored unread).
import { createHash } from 'node:crypto';
import type { RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import type { RevisionLocation } from '@aws-sdk/client-codedeploy';
import { SlipwayError, describeValue } from '../../core/errors.ts';
import { readEcsAppSpec, TASK_DEFINITION_PLACEHOLDER, type EcsAppSpec } from '../../specs/appspec/index.ts';
import { str } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

const invalid = (message: string): SlipwayError => new SlipwayError('InvalidRevisionException', message);

/** The registered task definition an appspec names, when Slipway's ECS store has it; undefined otherwise. */
function registeredTaskDefinition(ctx: ServiceContext, arn: string): RegisterTaskDefinitionRequest | undefined {
  const m = /:task-definition\/([A-Za-z0-9_-]+):(\d+)$/.exec(arn);
  if (m === null) return undefined;
  try {
    const row = ctx.store.get('SELECT body FROM ecs_task_definitions WHERE family = ? AND revision = ?', m[1] ?? '', Number(m[2]));
    return row === undefined ? undefined : (JSON.parse(str(row, 'body')) as RegisterTaskDefinitionRequest);
  } catch {
    // ECS's table is another service's; without it there is nothing to check against.
    return undefined;
  }
}

export interface ReadRevision {
  /** The revision as GetDeployment reports it (AppSpecContent with its sha256 filled in). */
  readonly revision: RevisionLocation;
  readonly appSpec?: EcsAppSpec;
}

function readContent(ctx: ServiceContext, field: string, value: unknown): { content: string; sha256: string; appSpec: EcsAppSpec } {
  const v = (typeof value === 'object' && value !== null ? value : {}) as { content?: unknown; sha256?: unknown };
  if (typeof v.content !== 'string' || v.content.trim() === '') throw invalid(`${field}.content: found ${describeValue(v.content)}, expected the appspec text (YAML or JSON)`);
  const sha256 = createHash('sha256').update(v.content).digest('hex');
  if (v.sha256 !== undefined && v.sha256 !== null && (typeof v.sha256 !== 'string' || v.sha256.toLowerCase() !== sha256)) {
    throw invalid(`${field}.sha256: found ${describeValue(v.sha256)}, expected the SHA-256 of content (${sha256})`);
  }
  let appSpec = readEcsAppSpec(v.content, 'appspec.yaml');
  const taskDefinition = appSpec.targetService.taskDefinition;
  if (taskDefinition === TASK_DEFINITION_PLACEHOLDER) {
    throw invalid(
      `appspec.yaml: Resources[0].TargetService.Properties.TaskDefinition: found "${TASK_DEFINITION_PLACEHOLDER}", expected a task definition ARN (CodePipeline substitutes the placeholder; a direct CreateDeployment must name the ARN)`,
    );
  }
  const registered = registeredTaskDefinition(ctx, taskDefinition);
  if (registered !== undefined) appSpec = readEcsAppSpec(v.content, 'appspec.yaml', { taskDefinition: registered });
  return { content: v.content, sha256, appSpec };
}

export function readRevision(ctx: ServiceContext, value: unknown): ReadRevision {
  if (value === undefined || value === null) throw new SlipwayError('RevisionRequiredException', 'revision: found nothing, expected a revision (revisionType AppSpecContent with appSpecContent.content for ECS)');
  const r = value as RevisionLocation;
  const type = r.revisionType ?? (r.appSpecContent !== undefined ? 'AppSpecContent' : undefined);
  switch (type) {
    case 'AppSpecContent': {
      const { content, sha256, appSpec } = readContent(ctx, 'revision.appSpecContent', r.appSpecContent);
      return { revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256 } }, appSpec };
    }
    case 'String': {
      const { content, sha256, appSpec } = readContent(ctx, 'revision.string', r.string);
      return { revision: { revisionType: 'String', string: { content, sha256 } }, appSpec };
    }
    case 'S3': {
      const s3 = r.s3Location;
      if (typeof s3?.bucket !== 'string' || typeof s3.key !== 'string') throw invalid('revision.s3Location: expected bucket and key');
      return { revision: { revisionType: 'S3', s3Location: s3 } };
    }
    default:
      throw invalid(`revision.revisionType: found ${describeValue(type)}, expected AppSpecContent, String or S3 (Slipway does not fetch GitHub revisions)`);
  }
}
