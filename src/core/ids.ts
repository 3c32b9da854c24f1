// ARNs and ids: one account and region per Slipway, both configurable.
import { randomBytes, randomUUID } from 'node:crypto';

export interface AccountContext {
  readonly accountId: string;
  readonly region: string;
}

export const defaultAccount: AccountContext = { accountId: '000000000000', region: 'us-east-1' };

/** `arn:aws:<service>:<region>:<account>:<resource>`; IAM-like global services pass region ''. */
export function arn(ctx: AccountContext, service: string, resource: string, region: string = ctx.region): string {
  return `arn:aws:${service}:${region}:${ctx.accountId}:${resource}`;
}

export interface ParsedArn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

export function parseArn(value: string): ParsedArn | undefined {
  const parts = value.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', accountId = ''] = parts;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}

export function uuid(): string {
  return randomUUID();
}

/** Lower-case alphanumeric id of `length` characters, e.g. CodeDeploy's `d-XXXXXXXXX` bodies. */
export function shortId(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** AWS request ids look like UUIDs. */
export function requestId(): string {
  return randomUUID();
}
