// Registry logins: GetAuthorizationToken issues `AWS:<password>` valid 12 hours; only the password's hash is stored.
import { createHash, randomBytes } from 'node:crypto';
import type { GetAuthorizationTokenRequest, GetAuthorizationTokenResponse } from '@aws-sdk/client-ecr';
import { endpointUrl } from '../../core/config.ts';
import { str } from '../../store/db.ts';
import type { OperationContext, ServiceContext } from '../types.ts';
import { InputReader } from '../validate.ts';

export const TOKEN_LIFETIME_MS = 12 * 60 * 60 * 1000;
export const REGISTRY_USER = 'AWS';

function hash(password: string): string {
  return createHash('sha256').update(password).digest('hex');
}

/**
 * The registry's address as clients reach it: the edge's URL from the latest `daemon.started` event (the port is
 * only known once the edge listens), else the configured one.
 */
export function registryEndpoint(ctx: Pick<ServiceContext, 'store' | 'config'>): string {
  const row = ctx.store.get("SELECT detail FROM events WHERE type = 'daemon.started' ORDER BY seq DESC LIMIT 1");
  if (row !== undefined) {
    const detail = JSON.parse(str(row, 'detail')) as { endpoint?: unknown };
    if (typeof detail.endpoint === 'string') return detail.endpoint;
  }
  return endpointUrl(ctx.config);
}

/** `host:port` of the registry, the first part of every repositoryUri. */
export function registryHost(ctx: Pick<ServiceContext, 'store' | 'config'>): string {
  return new URL(registryEndpoint(ctx)).host;
}

export function getAuthorizationToken(input: GetAuthorizationTokenRequest, ctx: OperationContext): GetAuthorizationTokenResponse {
  const r = new InputReader(input);
  r.stringList('registryIds', { min: 1, max: 10, item: { pattern: /^[0-9]{12}$/, patternText: 'a 12-digit account id' } });
  r.done();
  const password = randomBytes(48).toString('base64url');
  const now = ctx.clock.now();
  const expiresAt = now + TOKEN_LIFETIME_MS;
  ctx.store.tx(() => {
    // Expired tokens are pruned as new ones are issued, so the table stays small.
    ctx.store.run('DELETE FROM ecr_tokens WHERE expires_at <= ?', now);
    ctx.store.run('INSERT INTO ecr_tokens (hash, expires_at) VALUES (?, ?)', hash(password), expiresAt);
  });
  ctx.masker.add(password);
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`${REGISTRY_USER}:${password}`).toString('base64'),
        expiresAt: new Date(expiresAt),
        proxyEndpoint: registryEndpoint(ctx),
      },
    ],
  };
}

export type TokenCheck = 'valid' | 'missing' | 'invalid' | 'expired';

/** Checks an HTTP Authorization header against the issued tokens at the clock's current time. */
export function checkBasicAuth(ctx: Pick<ServiceContext, 'store' | 'clock'>, header: string | undefined): TokenCheck {
  if (header === undefined || header === '') return 'missing';
  const match = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (match === null) return 'invalid';
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0 || decoded.slice(0, colon) !== REGISTRY_USER) return 'invalid';
  const row = ctx.store.get('SELECT expires_at FROM ecr_tokens WHERE hash = ?', hash(decoded.slice(colon + 1)));
  if (row === undefined) return 'invalid';
  return Number(row['expires_at']) > ctx.clock.now() ? 'valid' : 'expired';
}
