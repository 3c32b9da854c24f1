// Runs the real AWS CLI against a Slipway endpoint with throwaway credentials, as a second client beside the SDK.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);
let available: Promise<boolean> | undefined;

/** Whether `aws` is installed here; tests skip their CLI checks when it is not. */
export function awsCliAvailable(): Promise<boolean> {
  available ??= exec('aws', ['--version']).then(
    () => true,
    () => false,
  );
  return available;
}

const ENV = { AWS_ACCESS_KEY_ID: 'AKIASLIPWAYTEST', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };

/** `aws --endpoint-url <endpoint> <args…>`; resolves with stdout, rejects with the CLI's error. */
export async function awsCli(endpoint: string, args: readonly string[]): Promise<string> {
  const { stdout } = await exec('aws', ['--endpoint-url', endpoint, ...args], { env: { ...process.env, ...ENV } });
  return stdout;
}

/** Like awsCli with `--output json`, parsed. */
export async function awsCliJson(endpoint: string, args: readonly string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await awsCli(endpoint, [...args, '--output', 'json'])) as Record<string, unknown>;
}
