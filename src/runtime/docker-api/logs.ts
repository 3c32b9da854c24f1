// Container logs as an async iterable of demultiplexed chunks; following ends when the container stops or on abort.
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { LogChunk, LogOptions } from '../types.ts';
import { Demuxer } from './demux.ts';
import { toSlipwayError } from './errors.ts';

export async function* streamLogs(docker: Docker, id: string, options: LogOptions = {}): AsyncGenerator<LogChunk> {
  const container = docker.getContainer(id);
  const what = `logs of container ${id}`;
  let tty: boolean;
  try {
    tty = (await container.inspect()).Config.Tty;
  } catch (err) {
    throw toSlipwayError(err, what, { 404: 'ContainerNotFound' });
  }
  const demuxer = new Demuxer(tty);
  const base = { stdout: true, stderr: true, ...(options.since !== undefined ? { since: options.since } : {}) };
  if (options.signal?.aborted) return;
  if (options.follow !== true) {
    let raw: Buffer;
    try {
      raw = await container.logs({ ...base, follow: false });
    } catch (err) {
      throw toSlipwayError(err, what, { 404: 'ContainerNotFound' });
    }
    yield* demuxer.push(raw);
    return;
  }
  let stream: Readable;
  try {
    // The signal also covers the wait for the answer: an abort then must not leave a follow open with nobody reading.
    stream = (await container.logs({ ...base, follow: true, ...(options.signal === undefined ? {} : { abortSignal: options.signal }) })) as unknown as Readable;
  } catch (err) {
    if (aborted(options.signal)) return;
    throw toSlipwayError(err, what, { 404: 'ContainerNotFound' });
  }
  const onAbort = (): void => {
    stream.destroy();
  };
  // An abort that came while the request was answered fires no listener added now.
  if (aborted(options.signal)) {
    stream.destroy();
    return;
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const data of stream) {
      yield* demuxer.push(data as Buffer);
    }
  } catch (err) {
    // Aborting destroys the stream; that is the caller's way to stop, not a failure.
    if (options.signal?.aborted !== true) throw toSlipwayError(err, what);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

/** Read through a call: the signal may have aborted during an await, which narrowing cannot see. */
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
