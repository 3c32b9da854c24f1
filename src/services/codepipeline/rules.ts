// Cross-field rules of a pipeline structure (AWS-SEMANTICS §2.1): stage order, artifacts, namespaces, variables, type limits.
import type { ActionDeclaration, PipelineDeclaration } from '@aws-sdk/client-codepipeline';
import { describeValue, Problems } from '../../core/errors.ts';
import { ACTION_TYPES, findActionType, keyOf } from '../../specs/pipeline/action-types.ts';
import { nearName } from '../../specs/near-name.ts';
import { readPipeline } from './declaration.ts';

/** `#{namespace.key}` references, as AWS resolves them in action configuration. */
export const VARIABLE_REFERENCE = /#\{([^}.]*)\.([^}]*)\}/g;

const RESERVED_NAMESPACES = ['codepipeline', 'variables'];

function list(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? 'none' : all.join(', ');
}

function checkActionType(action: ActionDeclaration, path: string, problems: Problems): void {
  const t = action.actionTypeId;
  if (t === undefined || t.category === undefined || t.provider === '' || String(t.owner) === '') return;
  const spec = findActionType({ category: t.category, owner: t.owner ?? '', provider: t.provider ?? '' });
  if (spec === undefined) {
    const known = ACTION_TYPES.filter((k) => k.category === t.category).map(keyOf);
    const near = nearName(t.provider ?? '', ACTION_TYPES.filter((k) => k.category === t.category).map((k) => k.provider));
    problems.add({
      field: `${path}.actionTypeId`,
      found: `${t.category}/${t.owner}/${t.provider}`,
      expected: `an action type Slipway knows for category ${t.category} (${list(known)})`,
      ...(near === undefined ? {} : { suggestion: `did you mean provider ${near}?` }),
    });
    return;
  }
  if (t.version !== '1') problems.add({ field: `${path}.actionTypeId.version`, found: JSON.stringify(t.version), expected: '"1" (the only version of AWS action types)' });
  const ins = action.inputArtifacts?.length ?? 0;
  const outs = action.outputArtifacts?.length ?? 0;
  const kind = keyOf(spec);
  if (ins < spec.inputs.min || ins > spec.inputs.max) {
    problems.add({ field: `${path}.inputArtifacts`, found: `${ins} input artifacts`, expected: `${spec.inputs.min === spec.inputs.max ? spec.inputs.min : `${spec.inputs.min} to ${spec.inputs.max}`} for ${kind}` });
  }
  if (outs < spec.outputs.min || outs > spec.outputs.max) {
    problems.add({ field: `${path}.outputArtifacts`, found: `${outs} output artifacts`, expected: `${spec.outputs.min === spec.outputs.max ? spec.outputs.min : `${spec.outputs.min} to ${spec.outputs.max}`} for ${kind}` });
  }
  const config = action.configuration ?? {};
  for (const p of spec.configuration) {
    if (p.required && config[p.name] === undefined) problems.add({ field: `${path}.configuration.${p.name}`, found: 'nothing', expected: `a value (${kind} requires it)` });
  }
  const allowed = spec.configuration.map((p) => p.name);
  for (const key of Object.keys(config)) {
    if (allowed.includes(key)) continue;
    const near = nearName(key, allowed);
    problems.add({
      field: `${path}.configuration.${key}`,
      found: 'an unknown configuration key',
      expected: `one of ${allowed.join(', ')}`,
      ...(near === undefined ? {} : { suggestion: `did you mean ${near}?` }),
    });
  }
}

/** Checks every rule and returns the problems (the declaration's shape already read). */
export function checkRules(p: PipelineDeclaration, problems: Problems): void {
  const stages = p.stages ?? [];
  const v2 = p.pipelineType === 'V2';
  if (stages.length < 2 || stages.length > 50) problems.add({ field: 'pipeline.stages', found: `${stages.length} stages`, expected: 'from 2 to 50 stages' });
  if (!v2 && p.executionMode !== 'SUPERSEDED') {
    problems.add({ field: 'pipeline.executionMode', found: JSON.stringify(p.executionMode), expected: 'SUPERSEDED for a V1 pipeline (QUEUED and PARALLEL need pipelineType V2)' });
  }
  if (!v2 && p.variables !== undefined && p.variables.length > 0) problems.add({ field: 'pipeline.variables', found: `${p.variables.length} variables`, expected: 'none for a V1 pipeline (pipeline-level variables need pipelineType V2)' });
  if (!v2 && p.triggers !== undefined && p.triggers.length > 0) problems.add({ field: 'pipeline.triggers', found: `${p.triggers.length} triggers`, expected: 'none for a V1 pipeline (triggers need pipelineType V2)' });
  const variableNames = new Set<string>();
  (p.variables ?? []).forEach((v, i) => {
    if (v.name === undefined) return;
    if (variableNames.has(v.name)) problems.add({ field: `pipeline.variables[${i}].name`, found: JSON.stringify(v.name), expected: 'a name not used by another variable' });
    variableNames.add(v.name);
  });

  const stageNames = new Set<string>();
  const produced = new Map<string, string>(); // artifact name -> path of the producer
  const namespaces = new Map<string, string>();
  const allOutputs = new Set(stages.flatMap((s) => (s.actions ?? []).flatMap((a) => (a.outputArtifacts ?? []).map((o) => o.name ?? ''))));
  stages.forEach((stage, si) => {
    const sp = `pipeline.stages[${si}]`;
    if (stage.name !== undefined && stage.name !== '') {
      if (stageNames.has(stage.name)) problems.add({ field: `${sp}.name`, found: JSON.stringify(stage.name), expected: 'a stage name not used by another stage of the pipeline' });
      stageNames.add(stage.name);
    }
    if (p.executionMode === 'PARALLEL' && stage.onFailure?.result === 'ROLLBACK') {
      problems.add({ field: `${sp}.onFailure.result`, found: '"ROLLBACK"', expected: 'FAIL, RETRY or SKIP (PARALLEL pipelines cannot roll back)' });
    }
    const actionNames = new Set<string>();
    const actions = (stage.actions ?? []).map((a, ai) => ({ a, ap: `${sp}.actions[${ai}]` }));
    const orders = [...new Set(actions.map(({ a }) => a.runOrder ?? 1))].sort((x, y) => x - y);
    if (orders.length > 50) problems.add({ field: `${sp}.actions`, found: `${orders.length} sequential runOrder values`, expected: 'at most 50' });
    for (const { a, ap } of actions) {
      if (a.name !== undefined && a.name !== '') {
        if (actionNames.has(a.name)) problems.add({ field: `${ap}.name`, found: JSON.stringify(a.name), expected: `an action name not used by another action of stage ${stage.name}` });
        actionNames.add(a.name);
      }
      const isSource = a.actionTypeId?.category === 'Source';
      if (si === 0 && !isSource && a.actionTypeId?.category !== undefined && String(a.actionTypeId.category) !== '') {
        problems.add({ field: `${ap}.actionTypeId.category`, found: JSON.stringify(a.actionTypeId.category), expected: 'Source (the first stage holds only source actions)' });
      }
      if (si > 0 && isSource) problems.add({ field: `${ap}.actionTypeId.category`, found: '"Source"', expected: 'a non-source category (source actions belong only in the first stage)' });
      checkActionType(a, ap, problems);
    }
    // Walk the stage by runOrder: inputs and variables may come only from earlier stages or lower runOrder.
    for (const order of orders) {
      const group = actions.filter(({ a }) => (a.runOrder ?? 1) === order);
      for (const { a, ap } of group) {
        (a.inputArtifacts ?? []).forEach((input, ii) => {
          const name = input.name ?? '';
          if (name === '' || produced.has(name)) return;
          const near = nearName(name, produced.keys());
          const why = allOutputs.has(name) ? ' (it is produced, but not before this action runs)' : '';
          problems.add({
            field: `${ap}.inputArtifacts[${ii}].name`,
            found: `artifact "${name}", which no earlier action produces${why}`,
            expected: `an output artifact of an earlier stage or a lower runOrder (produced earlier: ${list(produced.keys())})`,
            ...(near === undefined ? {} : { suggestion: `did you mean ${near}?` }),
          });
        });
        for (const [key, value] of Object.entries(a.configuration ?? {})) {
          for (const m of value.matchAll(VARIABLE_REFERENCE)) {
            const [ref, ns = '', name = ''] = m;
            const field = `${ap}.configuration.${key}`;
            if (ns === 'codepipeline') {
              if (name !== 'PipelineExecutionId') problems.add({ field, found: ref, expected: 'codepipeline.PipelineExecutionId (the only variable of the codepipeline namespace)' });
            } else if (ns === 'variables') {
              if (!v2) problems.add({ field, found: ref, expected: 'no #{variables.…} reference in a V1 pipeline (pipeline-level variables need V2)' });
              else if (!variableNames.has(name)) problems.add({ field, found: ref, expected: `a declared pipeline variable (declared: ${list(variableNames)})` });
            } else if (!namespaces.has(ns)) {
              const near = nearName(ns, namespaces.keys());
              problems.add({
                field,
                found: ref,
                expected: `a namespace declared by an action of an earlier stage or a lower runOrder (declared earlier: ${list(namespaces.keys())})`,
                ...(near === undefined ? {} : { suggestion: `did you mean ${near}?` }),
              });
            }
          }
        }
      }
      for (const { a, ap } of group) {
        (a.outputArtifacts ?? []).forEach((o, oi) => {
          const name = o.name ?? '';
          if (name === '') return;
          if (produced.has(name)) problems.add({ field: `${ap}.outputArtifacts[${oi}].name`, found: JSON.stringify(name), expected: `an artifact name unique in the pipeline (${produced.get(name)} already produces it)` });
          else produced.set(name, ap);
        });
        if (a.namespace !== undefined) {
          if (RESERVED_NAMESPACES.includes(a.namespace)) problems.add({ field: `${ap}.namespace`, found: JSON.stringify(a.namespace), expected: `a namespace other than the reserved ${RESERVED_NAMESPACES.join(' and ')}` });
          else if (namespaces.has(a.namespace)) problems.add({ field: `${ap}.namespace`, found: JSON.stringify(a.namespace), expected: `a namespace unique in the pipeline (${namespaces.get(a.namespace)} already declares it)` });
          else if (allOutputs.has(a.namespace)) problems.add({ field: `${ap}.namespace`, found: JSON.stringify(a.namespace), expected: 'a namespace that is not also an artifact name' });
          namespaces.set(a.namespace, ap);
        }
      }
    }
  });
  const triggered = new Set<string>();
  (p.triggers ?? []).forEach((trigger, ti) => {
    const tp = `pipeline.triggers[${ti}]`;
    if (trigger.providerType !== 'CodeStarSourceConnection') problems.add({ field: `${tp}.providerType`, found: JSON.stringify(trigger.providerType), expected: 'CodeStarSourceConnection' });
    const git = trigger.gitConfiguration;
    if (git === undefined) problems.add({ field: `${tp}.gitConfiguration`, found: 'nothing', expected: 'a gitConfiguration' });
    for (const kind of ['push', 'pullRequest'] as const) {
      const filters = git?.[kind];
      if (filters !== undefined && (!Array.isArray(filters) || filters.length < 1 || filters.length > 3)) {
        problems.add({ field: `${tp}.gitConfiguration.${kind}`, found: Array.isArray(filters) ? `${filters.length} filters` : 'not a list', expected: 'from 1 to 3 filters' });
      }
      ((Array.isArray(filters) ? filters : []) as unknown as Array<Record<string, unknown>>).forEach((f, fi) => {
        for (const c of ['branches', 'tags', 'filePaths']) {
          const criteria = f[c] as { includes?: unknown; excludes?: unknown } | undefined;
          for (const side of ['includes', 'excludes'] as const) {
            const globs = criteria?.[side];
            if (globs !== undefined && (!Array.isArray(globs) || globs.length < 1 || globs.length > 8 || !globs.every((g) => typeof g === 'string' && g.length > 0 && g.length <= 255))) {
              problems.add({ field: `${tp}.gitConfiguration.${kind}[${fi}].${c}.${side}`, found: describeValue(globs), expected: 'from 1 to 8 glob patterns of 1 to 255 characters' });
            }
          }
        }
      });
    }
    const source = git?.sourceActionName;
    if (source !== undefined) {
      if (triggered.has(source)) problems.add({ field: `${tp}.gitConfiguration.sourceActionName`, found: JSON.stringify(source), expected: 'a source action no other trigger names (one trigger per source action)' });
      triggered.add(source);
    }
    const sources = (stages[0]?.actions ?? []).map((a) => a.name ?? '');
    if (source !== undefined && !sources.includes(source)) {
      problems.add({ field: `pipeline.triggers[${ti}].gitConfiguration.sourceActionName`, found: JSON.stringify(source), expected: `the name of a source action (${list(sources)})` });
    }
  });
}

/**
 * Reads and checks a declaration, reporting every problem at once: ValidationException when only the model's
 * member constraints are broken, InvalidStructureException as soon as a structure rule is.
 */
export function checkPipeline(raw: unknown): PipelineDeclaration {
  const shape = new Problems();
  const declaration = readPipeline(raw, 'pipeline', shape);
  const rules = new Problems();
  checkRules(declaration, rules);
  const all = new Problems();
  for (const p of [...shape.items, ...rules.items]) all.add(p);
  if (rules.size > 0) all.throwIfAny('InvalidStructureException', 'Pipeline structure is invalid');
  all.throwIfAny('ValidationException', `${all.size} validation error${all.size === 1 ? '' : 's'} detected`);
  return declaration;
}

