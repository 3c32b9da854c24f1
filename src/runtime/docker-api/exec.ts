// Runs a command in a running container and collects its output and exit code.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { SlipwayError } from '../../core/errors.ts';
import type { ExecOptions, ExecResult } from '../types.ts';
import { Demuxer } from './demux.ts';
import { statusOf, toSlipwayError } from './errors.ts';

export async function runExec(docker: Docker, id: string, options: ExecOptions): Promise<ExecResult> {
  const what = `exec ${JSON.stringify(options.command)} in container ${id}`;
  if (options.command.length === 0) {
    throw new SlipwayError('InvalidExec', `${what}: found an empty command, expected at least the program to run`);
  }
  let exec: Docker.Exec;
  try {
    exec = await docker.getContainer(id).exec({
      Cmd: [...options.command],
      AttachStdout: true,
      AttachStderr: true,
      Env: Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(options.user !== undefined ? { User: options.user } : {}),
      ...(options.workingDir !== undefined ? { WorkingDir: options.workingDir } : {}),
    });
  } catch (err) {
    throw await classify(docker, id, err, what);
  }
  let stream: Duplex;
  try {
    stream = await exec.start({ hijack: true, stdin: false });
  } catch (err) {
    throw await classify(docker, id, err, what);
  }
  const demuxer = new Demuxer(false);
  const out: Buffer[] = [];
  const errOut: Buffer[] = [];
  const finished = new Promise<'done'>((resolve, reject) => {
    stream.on('data', (data: Buffer) => {
      for (const c of demuxer.push(data)) {
        (c.stream === 'stderr' ? errOut : out).push(c.data);
        options.onOutput?.(c);
      }
    });
    stream.once('end', () => resolve('done'));
    stream.once('close', () => resolve('done'));
    stream.once('error', reject);
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut =
    options.timeoutMs === undefined
      ? new Promise<never>(() => undefined)
      : new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
        });
  let outcome: 'done' | 'timeout';
  try {
    outcome = await Promise.race([finished, timedOut]);
  } catch (err) {
    throw toSlipwayError(err, what);
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
  const result = (exitCode: number, timed: boolean): ExecResult => ({
    exitCode,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(errOut).toString('utf8'),
    timedOut: timed,
  });
  if (outcome === 'timeout') return result(-1, true);
  // The stream can end a moment before the engine records the exit code.
  for (let attempt = 0; attempt < 50; attempt++) {
    let info: Docker.ExecInspectInfo;
    try {
      info = await exec.inspect();
    } catch (err) {
      throw toSlipwayError(err, what, { 404: 'ContainerNotFound' });
    }
    if (!info.Running && info.ExitCode !== null) return result(info.ExitCode, false);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new SlipwayError('EngineError', `${what}: output ended but the engine reported no exit code after 1 s`, {
    fault: 'server',
  });
}

/** Docker says 409 for exec in a stopped container, Podman 500: ask the container's state instead of reading messages. */
async function classify(docker: Docker, id: string, err: unknown, what: string): Promise<SlipwayError> {
  if (statusOf(err) === 404) return toSlipwayError(err, what, { 404: 'ContainerNotFound' });
  try {
    const info = await docker.getContainer(id).inspect();
    if (!info.State.Running) {
      return new SlipwayError('ContainerNotRunning', `${what}: the container is ${info.State.Status}; expected it running`, { cause: err });
    }
  } catch (inspectErr) {
    if (statusOf(inspectErr) === 404) return toSlipwayError(inspectErr, what, { 404: 'ContainerNotFound' });
  }
  return toSlipwayError(err, what);
}
