// Reads the AWS wire models in ../shared/aws-models and checks values against their shapes (members, types, required).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODELS_DIR = join(import.meta.dirname, '..', '..', '..', 'shared', 'aws-models');

interface ShapeRef {
  readonly shape: string;
}

export interface Shape {
  readonly type: string;
  readonly members?: Readonly<Record<string, ShapeRef>>;
  readonly required?: readonly string[];
  readonly member?: ShapeRef;
  readonly key?: ShapeRef;
  readonly value?: ShapeRef;
  readonly enum?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly exception?: boolean;
}

export interface Operation {
  readonly name: string;
  readonly input?: ShapeRef;
  readonly output?: ShapeRef;
  readonly errors?: readonly ShapeRef[];
}

export interface Model {
  readonly metadata: { protocol: string; protocols?: string[]; targetPrefix?: string; jsonVersion?: string; signingName?: string; endpointPrefix: string; xmlNamespace?: string };
  readonly operations: Readonly<Record<string, Operation>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

const cache = new Map<string, Model>();

export function modelPath(stem: string): string {
  return join(MODELS_DIR, `${stem}.service-2.json`);
}

export function loadModel(stem: string): Model {
  let model = cache.get(stem);
  if (model === undefined) {
    const path = modelPath(stem);
    if (!existsSync(path)) throw new Error(`AWS model ${path} not found; the tests expect shared/aws-models beside the project`);
    model = JSON.parse(readFileSync(path, 'utf8')) as Model;
    cache.set(stem, model);
  }
  return model;
}

/**
 * Problems with `value` as a wire (JSON protocol) value of `shapeName`: unknown members, wrong types, missing
 * required members, enum values outside the model. Empty when it conforms.
 */
export function checkShape(model: Model, shapeName: string, value: unknown, path = '$'): string[] {
  const shape = model.shapes[shapeName];
  if (shape === undefined) return [`${path}: model has no shape ${shapeName}`];
  const problems: string[] = [];
  const typeError = (expected: string): string[] => [`${path}: expected ${expected} (${shapeName}), found ${JSON.stringify(value)?.slice(0, 80)}`];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return typeError('an object');
      const obj = value as Record<string, unknown>;
      for (const req of shape.required ?? []) if (obj[req] === undefined) problems.push(`${path}.${req}: required by ${shapeName} but missing`);
      for (const [k, v] of Object.entries(obj)) {
        const member = shape.members?.[k];
        if (member === undefined) problems.push(`${path}.${k}: not a member of ${shapeName}`);
        else if (v !== null) problems.push(...checkShape(model, member.shape, v, `${path}.${k}`));
      }
      return problems;
    }
    case 'list':
      if (!Array.isArray(value)) return typeError('a list');
      value.forEach((v, i) => problems.push(...checkShape(model, shape.member?.shape ?? '', v, `${path}[${i}]`)));
      return problems;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return typeError('a map');
      for (const [k, v] of Object.entries(value)) problems.push(...checkShape(model, shape.value?.shape ?? '', v, `${path}.${k}`));
      return problems;
    case 'string':
      if (typeof value !== 'string') return typeError('a string');
      if (shape.enum !== undefined && !shape.enum.includes(value)) return [`${path}: ${value} is not one of ${shape.enum.join(', ')}`];
      return [];
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) ? [] : typeError('an integer');
    case 'double':
    case 'float':
      return typeof value === 'number' ? [] : typeError('a number');
    case 'boolean':
      return typeof value === 'boolean' ? [] : typeError('a boolean');
    case 'timestamp':
      return typeof value === 'number' ? [] : typeError('epoch seconds (a number)');
    case 'blob':
      return typeof value === 'string' ? [] : typeError('base64 text');
    default:
      return [`${path}: unhandled model type ${shape.type}`];
  }
}
