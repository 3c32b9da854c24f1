// Image operations: build from a packed context, existence checks, removal.
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { SlipwayError } from '../../core/errors.ts';
import { packContext } from '../build-context.ts';
import type { BuildImageOptions } from '../types.ts';
import { statusOf, toSlipwayError } from './errors.ts';

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<{ id: string }> {
  const what = `build of image ${options.tag}`;
  const dockerfile = options.dockerfile ?? 'Dockerfile';
  if (!(dockerfile in options.files)) {
    throw new SlipwayError('ImageBuildFailed', `${what}: the build context has no ${dockerfile}; expected it among ${Object.keys(options.files).join(', ') || 'no files'}`);
  }
  const context = packContext(options.files);
  let output: NodeJS.ReadableStream;
  try {
    // tar-stream's pack is a streamx stream; Node's Readable is what dockerode pipes reliably.
    output = await docker.buildImage(Readable.from(context), {
      t: options.tag,
      dockerfile,
      rm: true,
      forcerm: true,
      ...(options.labels !== undefined ? { labels: { ...options.labels } } : {}),
    });
  } catch (err) {
    throw toSlipwayError(err, what, { 400: 'ImageBuildFailed', 500: 'ImageBuildFailed' });
  }
  const tail: string[] = [];
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      output,
      (err) => (err ? reject(toSlipwayError(err, what, { 500: 'ImageBuildFailed' })) : resolve()),
      (event: BuildEvent) => {
        const text = event.error ?? event.errorDetail?.message ?? event.stream;
        if (event.error !== undefined || event.errorDetail !== undefined) failure = text;
        if (text === undefined) return;
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          tail.push(line);
          if (tail.length > 20) tail.shift();
          options.onOutput?.(line);
        }
      },
    );
  });
  if (failure !== undefined) {
    throw new SlipwayError('ImageBuildFailed', `${what} failed: ${failure.trim()}\nlast output:\n${tail.join('\n')}`);
  }
  try {
    const info = await docker.getImage(options.tag).inspect();
    return { id: info.Id };
  } catch (err) {
    throw new SlipwayError('ImageBuildFailed', `${what}: the build ended but no image is tagged ${options.tag}; last output:\n${tail.join('\n')}`, { cause: err });
  }
}

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw toSlipwayError(err, `inspect of image ${ref}`);
  }
}

export async function removeImage(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove({ force: true });
  } catch (err) {
    if (statusOf(err) === 404) return;
    throw toSlipwayError(err, `removal of image ${ref}`, { 409: 'ImageInUse' });
  }
}

/** Adds another name to an image (`repo:tag`). */
export async function tagImage(docker: Docker, ref: string, target: string): Promise<void> {
  const at = target.lastIndexOf(':');
  const slash = target.lastIndexOf('/');
  const [repo, tag] = at > slash ? [target.slice(0, at), target.slice(at + 1)] : [target, 'latest'];
  try {
    await docker.getImage(ref).tag({ repo, tag });
  } catch (err) {
    throw toSlipwayError(err, `tagging image ${ref} as ${target}`, { 404: 'ImageNotFound' });
  }
}
