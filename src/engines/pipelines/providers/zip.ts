// Small in-memory zips for providers that produce a few generated files (and for reading them back in tests).
import { buffer } from 'node:stream/consumers';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';

export async function zipOf(files: Readonly<Record<string, string | Uint8Array>>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), path, { mtime: new Date(0) });
  zip.end();
  return buffer(zip.outputStream as Readable);
}

/** Every file of a zip, by path. */
export function unzip(data: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (error, zip) => {
      if (error !== null || zip === undefined) {
        reject(error ?? new Error('unreadable zip'));
        return;
      }
      const files = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err !== null || stream === undefined) {
            reject(err ?? new Error(`cannot read ${entry.fileName}`));
            return;
          }
          buffer(stream).then((b) => {
            files.set(entry.fileName, b);
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}
