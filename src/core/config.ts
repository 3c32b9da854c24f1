// Daemon configuration: defaults, environment overrides and the derived paths inside the data dir.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AccountContext } from './ids.ts';

/** 7547 spells SLIP on a phone keypad; chosen to stay clear of LocalStack's 4566 and common dev ports. */
export const DEFAULT_PORT = 7547;
export const DEFAULT_HOST = '127.0.0.1';

export interface SlipwayConfig extends AccountContext {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
}

export function defaultDataDir(): string {
  return process.env['SLIPWAY_DATA_DIR'] ?? join(homedir(), '.slipway');
}

export function makeConfig(partial: Partial<SlipwayConfig> = {}): SlipwayConfig {
  return {
    dataDir: resolve(partial.dataDir ?? defaultDataDir()),
    host: partial.host ?? process.env['SLIPWAY_HOST'] ?? DEFAULT_HOST,
    port: partial.port ?? Number(process.env['SLIPWAY_PORT'] ?? DEFAULT_PORT),
    accountId: partial.accountId ?? process.env['SLIPWAY_ACCOUNT_ID'] ?? '000000000000',
    region: partial.region ?? process.env['SLIPWAY_REGION'] ?? process.env['AWS_REGION'] ?? 'us-east-1',
  };
}

/** The address clients use: a wildcard bind is reached through loopback. */
export function endpointUrl(config: Pick<SlipwayConfig, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}
