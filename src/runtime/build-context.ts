// Packs a build context (in-memory files and host files) into a tar stream with tar-stream.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';
import { SlipwayError } from '../core/errors.ts';
import type { BuildImageOptions } from './types.ts';

/** Starts packing the context and returns the tar stream at once; file errors destroy the stream. */
export function packContext(files: BuildImageOptions['files']): Pack {
  const tar = pack();
  void (async () => {
    try {
      for (const [name, content] of Object.entries(files)) {
        const entryName = name.replace(/^\.?\/+/, '');
        if (Buffer.isBuffer(content)) {
          await new Promise<void>((resolve, reject) => {
            tar.entry({ name: entryName, mode: 0o644, mtime: new Date(0) }, content, (err) => (err ? reject(err) : resolve()));
          });
          continue;
        }
        let info;
        try {
          info = await stat(content.hostPath);
        } catch (cause) {
          throw new SlipwayError('BuildContextInvalid', `build context file ${entryName}: host file ${content.hostPath} was not found or not readable; expected a readable regular file`, { cause });
        }
        const entry = tar.entry({ name: entryName, size: info.size, mode: content.mode ?? info.mode & 0o7777, mtime: new Date(0) });
        await pipeline(createReadStream(content.hostPath), entry);
      }
      tar.finalize();
    } catch (err) {
      tar.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  return tar;
}
