// Resolves `#{namespace.key}` references in an action's configuration just before it runs (AWS-SEMANTICS §2.3).
import { VARIABLE_REFERENCE } from '../../services/codepipeline/rules.ts';
import { ActionFailure } from './types.ts';

/** CP-limits: an action's configuration after variable resolution. */
const MAX_RESOLVED_CONFIGURATION_BYTES = 100 * 1024;

export interface VariableSources {
  readonly executionId: string;
  readonly pipelineVariables: ReadonlyMap<string, string>;
  /** Output variables of the execution's succeeded actions, by namespace. */
  namespace(name: string): Readonly<Record<string, string>> | undefined;
}

function lookup(ns: string, key: string, sources: VariableSources): string | { missing: string } {
  if (ns === 'codepipeline') {
    return key === 'PipelineExecutionId' ? sources.executionId : { missing: 'the codepipeline namespace has only PipelineExecutionId' };
  }
  if (ns === 'variables') {
    const v = sources.pipelineVariables.get(key);
    return v ?? { missing: `the pipeline has no variable ${key} (it has: ${[...sources.pipelineVariables.keys()].join(', ') || 'none'})` };
  }
  const vars = sources.namespace(ns);
  if (vars === undefined) return { missing: `no action of this execution that declares namespace ${ns} has succeeded` };
  const v = vars[key];
  return v ?? { missing: `namespace ${ns} has no output variable ${key} (it has: ${Object.keys(vars).join(', ') || 'none'})` };
}

/** Every reference resolved, or an ActionFailure (ConfigurationError) naming each one that is not. */
export function resolveConfiguration(configuration: Readonly<Record<string, string>>, sources: VariableSources): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(configuration)) {
    out[key] = value.replace(VARIABLE_REFERENCE, (ref: string, ns: string, name: string) => {
      const found = lookup(ns, name, sources);
      if (typeof found === 'string') return found;
      problems.push(`${ref} in configuration key ${key}: ${found.missing}`);
      return ref;
    });
  }
  if (problems.length > 0) throw new ActionFailure(`Unable to resolve variables in the action configuration: ${problems.join('; ')}`, 'ConfigurationError');
  const bytes = Buffer.byteLength(JSON.stringify(out));
  if (bytes > MAX_RESOLVED_CONFIGURATION_BYTES) {
    throw new ActionFailure(`The resolved action configuration takes ${bytes} bytes; at most ${MAX_RESOLVED_CONFIGURATION_BYTES} (100 KB) are allowed`, 'ConfigurationError');
  }
  return out;
}
