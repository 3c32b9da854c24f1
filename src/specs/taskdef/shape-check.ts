// Checks a plain value against an API shape: types, enums, required and unknown members (with near-name suggestions).
import type { Shape } from './model.ts';
import { isRecord, nearName } from './source.ts';
import type { Path, Reporter } from './source.ts';

/** Optional hint for an unknown member, e.g. that it is output-only; returns undefined when it has none. */
export type UnknownHint = (path: Path, member: string) => string | undefined;

export function checkShape(value: unknown, shape: Shape, path: Path, r: Reporter, hint?: UnknownHint): void {
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string') r.add(path, shape.enum ? `one of ${shape.enum.join(', ')}` : 'a string', { found: value });
      else if (shape.enum && !shape.enum.includes(value)) {
        const near = nearName(value, shape.enum);
        r.add(path, `one of ${shape.enum.join(', ')}`, {
          found: value,
          ...(near === undefined ? {} : { suggestion: `did you mean "${near}"?` }),
        });
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        const quoted = typeof value === 'string' && /^\d+$/.test(value.trim());
        r.add(path, 'an integer', { found: value, ...(quoted ? { suggestion: `write ${value.trim()} without quotes` } : {}) });
      }
      return;
    case 'any':
      return;
    case 'boolean':
      if (typeof value !== 'boolean') r.add(path, 'true or false', { found: value });
      return;
    case 'map':
      if (!isRecord(value)) r.add(path, 'a map of names to values', { found: value });
      else for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') r.add([...path, k], 'a string', { found: v });
      return;
    case 'list':
      if (!Array.isArray(value)) r.add(path, 'a list', { found: value });
      else value.forEach((item, i) => checkShape(item, shape.member, [...path, i], r, hint));
      return;
    case 'structure': {
      if (!isRecord(value)) {
        r.add(path, 'an object', { found: value });
        return;
      }
      const names = Object.keys(shape.members);
      for (const [k, v] of Object.entries(value)) {
        const member = shape.members[k];
        if (member !== undefined) {
          if (v !== null) checkShape(v, member, [...path, k], r, hint);
          continue;
        }
        const near = nearName(k, names);
        const suggestion = hint?.(path, k) ?? (near === undefined ? undefined : `did you mean "${near}"?`);
        r.add([...path, k], names.length > 8 ? 'a known member' : `one of the known members: ${names.join(', ')}`, {
          foundText: `unknown member "${k}"`,
          key: true,
          ...(suggestion === undefined ? {} : { suggestion }),
        });
      }
      for (const req of shape.required) {
        if (value[req] === undefined || value[req] === null) r.add([...path, req], `a value (${req} is required)`, { found: undefined });
      }
      return;
    }
  }
}
