// Steering running pipelines: stage transitions, manual approval results, and the action types Slipway can run.
import type {
  ActionType,
  DisableStageTransitionInput,
  EnableStageTransitionInput,
  ListActionTypesInput,
  ListActionTypesOutput,
  PutApprovalResultInput,
  PutApprovalResultOutput,
} from '@aws-sdk/client-codepipeline';
import { SlipwayError } from '../../core/errors.ts';
import { ACTION_TYPES, keyOf } from '../../specs/pipeline/action-types.ts';
import type { OperationContext } from '../types.ts';
import { InputReader } from '../validate.ts';
import { NAME } from './declaration.ts';
import { APPROVAL_RESULT, declarationAt, getPipelineRow, pipelineArn, toActionRun, TRANSITION_CHANGED } from './state.ts';

/**
 * The action types the runner has a provider for (engines/pipelines/providers/registry.ts must match: a test checks).
 * Other AWS types are accepted in a structure and fail at run time, naming the missing provider.
 */
export const SUPPORTED_ACTION_TYPES: readonly string[] = ['Source/AWS/CodeCommit', 'Source/AWS/ECR', 'Build/AWS/CodeBuild', 'Test/AWS/CodeBuild', 'Deploy/AWS/ECS', 'Deploy/AWS/CodeDeployToECS', 'Approval/AWS/Manual'];

function setTransition(input: DisableStageTransitionInput | EnableStageTransitionInput, enabled: boolean, ctx: OperationContext): Record<string, never> {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const stageName = r.string('stageName', { ...NAME, required: true }) ?? '';
  const type = r.string('transitionType', { required: true, oneOf: ['Inbound', 'Outbound'] });
  const reason = enabled ? undefined : r.string('reason', { required: true, min: 1, max: 300, pattern: /^[a-zA-Z0-9!@ ().*?-]+$/, patternText: "letters, digits, spaces and !@().*?-" });
  r.done();
  ctx.store.tx(() => {
    const p = getPipelineRow(ctx, pipeline);
    const stages = (declarationAt(ctx, pipeline, p.version)?.stages ?? []).map((s) => s.name ?? '');
    const index = stages.indexOf(stageName);
    if (index < 0) throw new SlipwayError('StageNotFoundException', `Stage ${stageName} does not exist in pipeline ${pipeline} (stages: ${stages.join(', ')})`);
    // An outbound transition is the next stage's inbound one: one gate between two stages.
    const gate = type === 'Outbound' ? stages[index + 1] : stageName;
    if (gate === undefined || (type === 'Inbound' && index === 0)) {
      throw new SlipwayError('ValidationException', `Stage ${stageName} has no ${type} transition (${type === 'Inbound' ? 'the first stage has nothing before it' : 'it is the last stage'})`);
    }
    ctx.store.run(
      `INSERT INTO codepipeline_transitions (pipeline, stage, enabled, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(pipeline, stage) DO UPDATE SET enabled = excluded.enabled, reason = excluded.reason, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
      pipeline,
      gate,
      enabled ? 1 : 0,
      reason ?? null,
      ctx.request.accessKeyId ?? 'anonymous',
      ctx.clock.now(),
    );
    ctx.bus.publish({ type: TRANSITION_CHANGED, resource: pipelineArn(ctx, pipeline), detail: { pipeline, stage: gate, enabled, ...(reason === undefined ? {} : { reason }) } });
  });
  return {};
}

export function disableStageTransition(input: DisableStageTransitionInput, ctx: OperationContext): Record<string, never> {
  return setTransition(input, false, ctx);
}

export function enableStageTransition(input: EnableStageTransitionInput, ctx: OperationContext): Record<string, never> {
  return setTransition(input, true, ctx);
}

export function putApprovalResult(input: PutApprovalResultInput, ctx: OperationContext): PutApprovalResultOutput {
  const r = new InputReader(input);
  const pipeline = r.string('pipelineName', { ...NAME, required: true }) ?? '';
  const stageName = r.string('stageName', { ...NAME, required: true }) ?? '';
  const actionName = r.string('actionName', { ...NAME, required: true }) ?? '';
  const token = r.string('token', { required: true, pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, patternText: 'the approval token (a UUID) from GetPipelineState' }) ?? '';
  const result = r.struct('result', { required: true });
  const status = result?.string('status', { required: true, oneOf: ['Approved', 'Rejected'] }) ?? '';
  const summary = result?.string('summary', { required: true, max: 512 }) ?? '';
  r.done();
  return ctx.store.tx(() => {
    const p = getPipelineRow(ctx, pipeline);
    const stage = (declarationAt(ctx, pipeline, p.version)?.stages ?? []).find((s) => s.name === stageName);
    if (stage === undefined) throw new SlipwayError('StageNotFoundException', `Stage ${stageName} does not exist in pipeline ${pipeline}`);
    if (!(stage.actions ?? []).some((a) => a.name === actionName)) throw new SlipwayError('ActionNotFoundException', `Action ${actionName} does not exist in stage ${stageName} of pipeline ${pipeline}`);
    const row = ctx.store.get('SELECT * FROM codepipeline_action_runs WHERE pipeline = ? AND stage_name = ? AND action_name = ? AND token = ?', pipeline, stageName, actionName, token);
    if (row === undefined) throw new SlipwayError('InvalidApprovalTokenException', `The token ${token} is not the approval token of ${pipeline}/${stageName}/${actionName}`);
    const run = toActionRun(row);
    if (run.status !== 'InProgress' || run.approval !== undefined) {
      throw new SlipwayError('ApprovalAlreadyCompletedException', `The approval ${pipeline}/${stageName}/${actionName} is already ${run.approval?.status ?? run.status}`);
    }
    const at = ctx.clock.now();
    const by = ctx.request.accessKeyId ?? 'anonymous';
    ctx.store.run('UPDATE codepipeline_action_runs SET approval = ?, updated = ? WHERE id = ?', JSON.stringify({ status, summary, at, by }), at, run.id);
    ctx.bus.publish({ type: APPROVAL_RESULT, resource: pipelineArn(ctx, pipeline), detail: { pipeline, 'action-execution-id': run.id, status, summary } });
    return { approvedAt: new Date(at) };
  });
}

export function listActionTypes(input: ListActionTypesInput, ctx: OperationContext): ListActionTypesOutput {
  const r = new InputReader(input);
  const owner = r.string('actionOwnerFilter', { oneOf: ['AWS', 'ThirdParty', 'Custom'] });
  r.string('regionFilter', { min: 4, max: 30 });
  r.done();
  void ctx;
  const actionTypes: ActionType[] = ACTION_TYPES.filter((t) => SUPPORTED_ACTION_TYPES.includes(keyOf(t)) && (owner === undefined || t.owner === owner)).map((t) => ({
    id: { category: t.category as 'Source', owner: t.owner as 'AWS', provider: t.provider, version: '1' },
    settings: {},
    actionConfigurationProperties: t.configuration.slice(0, 10).map((p) => ({ name: p.name, required: p.required, key: p.required, secret: p.secret ?? false, queryable: false, type: 'String' as const })),
    inputArtifactDetails: { minimumCount: t.inputs.min, maximumCount: t.inputs.max },
    outputArtifactDetails: { minimumCount: t.outputs.min, maximumCount: t.outputs.max },
  }));
  return { actionTypes };
}
