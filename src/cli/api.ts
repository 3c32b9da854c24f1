// The CLI's AWS calls: JSON-protocol operations on the daemon by target (no SDK needed at run time).
import { SlipwayError } from '../core/errors.ts';
import { callDaemon } from './client.ts';

/** Calls `Prefix.Operation` with `input`; an AWS error answer becomes a SlipwayError with its code and message. */
export async function callApi<T>(endpoint: string, target: string, input: object, jsonVersion: '1.0' | '1.1' = '1.1'): Promise<T> {
  const res = await callDaemon(endpoint, '/', {
    method: 'POST',
    headers: { 'content-type': `application/x-amz-json-${jsonVersion}`, 'x-amz-target': target },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const code = (text(body['__type']) ?? 'InternalFailure').split('#').pop() ?? 'InternalFailure';
    throw new SlipwayError(code, `${target.split('.').pop() ?? target}: ${text(body['message']) ?? text(body['Message']) ?? `HTTP ${res.status}`}`);
  }
  return body as T;
}

export const TARGETS = {
  codepipeline: 'CodePipeline_20150709',
  codedeploy: 'CodeDeploy_20141006',
  codebuild: 'CodeBuild_20161006',
  logs: 'Logs_20140328',
} as const;
