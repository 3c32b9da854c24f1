// Records a new pipeline execution (API start, creation, or a source event): it waits in front of the first stage for the runner.
import { Problems, SlipwayError } from '../../core/errors.ts';
import { uuid } from '../../core/ids.ts';
import { str } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';
import { declarationAt, getPipelineRow, publishExecution } from './state.ts';

export interface Trigger {
  readonly triggerType: string;
  readonly triggerDetail: string;
}

export interface SourceRevisionOverride {
  readonly actionName: string;
  readonly revisionType: string;
  readonly revisionValue: string;
}

/** Starts an execution in the caller's transaction (or its own) and returns its id. */
export function startExecution(
  ctx: ServiceContext,
  pipeline: string,
  trigger: Trigger,
  variables: ReadonlyArray<{ name: string; value: string }>,
  sourceRevisions: readonly SourceRevisionOverride[],
  clientToken?: string,
): string {
  return ctx.store.tx(() => {
    const p = getPipelineRow(ctx, pipeline);
    if (clientToken !== undefined) {
      const row = ctx.store.get('SELECT id FROM codepipeline_executions WHERE pipeline = ? AND client_token = ?', pipeline, clientToken);
      if (row !== undefined) return str(row, 'id');
    }
    const declaration = declarationAt(ctx, pipeline, p.version);
    if (declaration === undefined) throw new Error(`unreachable: pipeline ${pipeline} has no version ${p.version}`);
    const problems = new Problems();
    const declared = new Map((declaration.variables ?? []).map((v) => [v.name ?? '', v.defaultValue]));
    const given = new Map<string, string>();
    variables.forEach((v, i) => {
      if (!declared.has(v.name)) {
        problems.add({ field: `variables[${i}].name`, found: JSON.stringify(v.name), expected: `a variable the pipeline declares (${[...declared.keys()].join(', ') || 'it declares none'})` });
      } else if (given.has(v.name)) {
        problems.add({ field: `variables[${i}].name`, found: JSON.stringify(v.name), expected: 'each variable at most once' });
      }
      given.set(v.name, v.value);
    });
    const resolved: Array<{ name: string; resolvedValue: string }> = [];
    for (const [name, defaultValue] of declared) {
      const value = given.get(name) ?? defaultValue;
      if (value === undefined) problems.add({ field: 'variables', found: `no value for ${name}`, expected: `a value for ${name} (it has no defaultValue)` });
      else resolved.push({ name, resolvedValue: value });
    }
    const sources = (declaration.stages?.[0]?.actions ?? []).map((a) => a.name ?? '');
    sourceRevisions.forEach((s, i) => {
      if (!sources.includes(s.actionName)) problems.add({ field: `sourceRevisions[${i}].actionName`, found: JSON.stringify(s.actionName), expected: `a source action of the pipeline (${sources.join(', ')})` });
    });
    problems.throwIfAny('ValidationException', 'Invalid pipeline execution request');
    if (declaration.pipelineType !== 'V2' && variables.length > 0) {
      throw new SlipwayError('ValidationException', `Pipeline ${pipeline} is a V1 pipeline: variables need pipelineType V2`);
    }
    const id = uuid();
    const now = ctx.clock.now();
    ctx.store.run(
      `INSERT INTO codepipeline_executions (id, pipeline, version, mode, status, phase, stage_index, trigger, variables, source_revisions, client_token, started, updated)
       VALUES (?, ?, ?, ?, 'InProgress', 'waiting', 0, ?, ?, ?, ?, ?, ?)`,
      id,
      pipeline,
      p.version,
      declaration.executionMode ?? 'SUPERSEDED',
      JSON.stringify(trigger),
      JSON.stringify(resolved),
      JSON.stringify(sourceRevisions),
      clientToken ?? null,
      now,
      now,
    );
    publishExecution(ctx, { pipeline, id, version: p.version }, 'InProgress', { trigger: trigger.triggerType });
    return id;
  });
}
