// Reads a task definition file (taskdef.json, as CodePipeline's ECS blue/green action takes it) into a RegisterTaskDefinition input.
import type { RegisterTaskDefinitionRequest } from '@aws-sdk/client-ecs';
import { Problems } from '../../core/errors.ts';
import type { Problem } from '../../core/errors.ts';
import { parseSource } from './source.ts';
import { validateTaskDefinition } from './validate.ts';

export interface TaskDefinitionFile {
  readonly input: RegisterTaskDefinitionRequest;
  /** `<IMAGE1_NAME>`-style tokens, in order of first appearance, for the pipeline to substitute. */
  readonly placeholders: string[];
}

const PLACEHOLDER = /<[A-Za-z][A-Za-z0-9_]*>/g;

/** Parses and validates; throws a ClientException (ECS's code for a bad input) carrying every problem. */
export function readTaskDefinition(text: string, file = 'taskdef.json'): TaskDefinitionFile {
  const problems: Problem[] = [];
  const source = parseSource(text, file, problems);
  if (problems.length === 0) problems.push(...validateTaskDefinition(source.value, file, source));
  const all = new Problems();
  for (const p of sortByPosition(problems)) all.add(p);
  all.throwIfAny('ClientException', `Invalid task definition ${file}`);
  return { input: source.value as RegisterTaskDefinitionRequest, placeholders: findPlaceholders(source.value) };
}

/** Throws a ClientException listing every problem in an API input (no file, so no positions). */
export function assertTaskDefinition(input: unknown): asserts input is RegisterTaskDefinitionRequest {
  const all = new Problems();
  for (const p of validateTaskDefinition(input)) all.add(p);
  all.throwIfAny('ClientException', 'Invalid task definition');
}

/** Every distinct `<NAME>` token inside string values. */
export function findPlaceholders(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(PLACEHOLDER)) if (!out.includes(m[0])) out.push(m[0]);
  } else if (Array.isArray(value)) {
    for (const v of value) findPlaceholders(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) findPlaceholders(v, out);
  }
  return out;
}

/** Problems in reading order (by line, then column); ones without a position keep their place at the end. */
export function sortByPosition(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
}
