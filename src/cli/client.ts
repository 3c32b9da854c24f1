// How the CLI finds and calls a running daemon: --endpoint, else the lock file of the data dir, else the default.
import { defaultDataDir, endpointUrl, makeConfig } from '../core/config.ts';
import { SlipwayError } from '../core/errors.ts';
import { readDaemonLock } from '../daemon/lock.ts';

export interface ClientOptions {
  readonly endpoint?: string;
  readonly dataDir?: string;
}

export function resolveEndpoint(options: ClientOptions): string {
  if (options.endpoint !== undefined) return options.endpoint.replace(/\/$/, '');
  const dataDir = options.dataDir ?? defaultDataDir();
  const lock = readDaemonLock(dataDir);
  if (lock !== undefined) return endpointUrl(lock);
  return endpointUrl(makeConfig({ dataDir }));
}

/** Calls Slipway's own API; a daemon that is not running becomes a clear `NotRunning` error. */
export async function callDaemon(endpoint: string, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${endpoint}${path}`, init);
  } catch (cause) {
    throw new SlipwayError('NotRunning', `No Slipway daemon answers at ${endpoint}; start one with \`slipway up\` (or \`npm start\`).`, { cause });
  }
}
