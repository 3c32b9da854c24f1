// Secrets Manager's input rules shared by its operations: name/id/token/stage limits, the secret value and tags.
import type { Tag } from '@aws-sdk/client-secrets-manager';
import type { Problems } from '../../core/errors.ts';
import { describeValue } from '../../core/errors.ts';
import { InputReader } from '../validate.ts';
import type { SecretValue } from './secret-store.ts';

export const NAME = { required: true, min: 1, max: 512, pattern: /^[a-zA-Z0-9/_+=.@-]+$/, patternText: "letters, digits and '/', '_', '+', '=', '.', '@', '-'" };
export const SECRET_ID = { required: true, min: 1, max: 2048 };
export const TOKEN = { min: 32, max: 64 };
export const STAGE = { min: 1, max: 256 };

/** SecretString and SecretBinary (base64 on the wire): at most one, and `required` says whether one must be there. */
export function readValue(r: InputReader, problems: Problems, input: Record<string, unknown>): SecretValue {
  const s = r.string('SecretString', { min: 1, max: 65536 });
  const b64 = r.string('SecretBinary', { min: 1 });
  let binary: Uint8Array | undefined;
  if (b64 !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
      problems.add({ field: 'SecretBinary', found: 'text that is not base64', expected: 'base64-encoded bytes' });
    } else {
      binary = Buffer.from(b64, 'base64');
      if (binary.length > 65536) problems.add({ field: 'SecretBinary', found: `${binary.length} bytes`, expected: 'at most 65536' });
    }
  }
  if (input['SecretString'] !== undefined && input['SecretBinary'] !== undefined && input['SecretString'] !== null && input['SecretBinary'] !== null) {
    problems.add({ field: 'SecretString', found: 'both SecretString and SecretBinary', expected: 'one of them' });
  }
  return { ...(s === undefined ? {} : { string: s }), ...(binary === undefined ? {} : { binary }) };
}

export function readTags(input: Record<string, unknown>, problems: Problems): Tag[] {
  const value = input['Tags'];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.add({ field: 'Tags', found: describeValue(value), expected: 'a list of {Key, Value}' });
    return [];
  }
  const tags: Tag[] = [];
  value.forEach((item: unknown, i) => {
    const t = new InputReader({ [`Tags[${i}]`]: item }, problems).struct(`Tags[${i}]`, { required: true });
    const key = t?.string('Key', { required: true, min: 1, max: 128 });
    const tagValue = t?.string('Value', { max: 256 });
    if (key !== undefined) tags.push({ Key: key, Value: tagValue ?? '' });
  });
  return tags;
}

