// Runs a container to completion and collects its output: the common "run this and tell me how it went".
import type { ContainerRuntime, ContainerSpec } from './types.ts';

export interface RunResult {
  readonly id: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Creates, starts and waits for a container, then reads its logs; removes it unless `keep` is set. */
export async function runToCompletion(runtime: ContainerRuntime, spec: ContainerSpec, options: { keep?: boolean } = {}): Promise<RunResult> {
  const id = await runtime.create(spec);
  try {
    await runtime.start(id);
    const { exitCode } = await runtime.wait(id);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    for await (const chunk of runtime.logs(id)) (chunk.stream === 'stderr' ? err : out).push(chunk.data);
    return { id, exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  } finally {
    if (options.keep !== true) await runtime.remove(id, { force: true });
  }
}
