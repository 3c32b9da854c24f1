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
  /**
   * How long a "minute" of CodeDeploy's waits lasts (canary/linear intervals, ready and termination waits), in ms.
   * AWS's is 60 000; a shorter one (SLIPWAY_DEPLOYMENT_MINUTE_MS) runs the same configuration faster, for trying it out.
   */
  readonly deploymentMinuteMs?: number;
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
    deploymentMinuteMs: partial.deploymentMinuteMs ?? minuteFromEnv(process.env['SLIPWAY_DEPLOYMENT_MINUTE_MS']),
  };
}

function minuteFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return 60_000;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1 || ms > 60_000) throw new RangeError(`SLIPWAY_DEPLOYMENT_MINUTE_MS: found "${value}", expected a whole number of milliseconds from 1 to 60000`);
  return ms;
}

/** The length of a deployment-wait minute under this configuration (AWS's 60 s unless shortened). */
export function deploymentMinuteMs(config: Pick<SlipwayConfig, 'deploymentMinuteMs'>): number {
  return config.deploymentMinuteMs ?? 60_000;
}

/** The address clients use: a wildcard bind is reached through loopback. */
export function endpointUrl(config: Pick<SlipwayConfig, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}
