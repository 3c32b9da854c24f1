// Artifact zips: written straight into the blob store (sha256 and md5 on the fly), and read back safely.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, symlink, utimes } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { SlipwayError } from '../../../core/errors.ts';
import type { BlobStore } from '../../../store/blobs.ts';
import { isCode, isInside, removeIfLink } from './match.ts';
import type { SelectedFile } from './select.ts';

export interface StoredArchive {
  /** The blob store digest, `sha256:<hex>`. */
  readonly digest: string;
  /** Hex, as BuildArtifacts.sha256sum carries it. */
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/** Zips `files` in their given order into the blob store; file contents are streamed, never held whole. */
export async function writeZip(files: readonly SelectedFile[], blobs: BlobStore): Promise<StoredArchive> {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as PassThrough;
  // yazl reports a file it cannot read on the ZipFile; ending the output with it makes the blob write fail too.
  zip.on('error', (error: Error) => output.destroy(error));
  for (const f of files) {
    if (f.kind === 'symlink') {
      zip.addBuffer(Buffer.from(f.linkTarget ?? ''), f.path, { mode: S_IFLNK | 0o777, mtime: f.mtime, compress: false });
    } else {
      zip.addFile(f.abs, f.path, { mode: S_IFREG | (f.mode & 0o7777), mtime: f.mtime });
    }
  }
  zip.end();
  const md5 = createHash('md5');
  async function* tap(source: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = chunk as Uint8Array;
      md5.update(bytes);
      yield bytes;
    }
  }
  const info = await blobs.put(tap(output));
  return { digest: info.digest, sha256: info.digest.slice('sha256:'.length), md5: md5.digest('hex'), size: info.size };
}

export interface ZipEntryInfo {
  readonly path: string;
  readonly kind: 'file' | 'directory' | 'symlink';
  readonly mode: number;
  readonly size: number;
}

/** The entries of a stored zip, in archive order (tests, the CLI's listing). */
export async function listZip(blobs: BlobStore, digest: string): Promise<ZipEntryInfo[]> {
  const zip = await openBlobZip(blobs, digest);
  const out: ZipEntryInfo[] = [];
  try {
    for await (const entry of zip.eachEntry()) out.push(describe(entry));
  } finally {
    zip.close();
  }
  return out;
}

/** Reads one entry of a stored zip whole (small files in tests and report checks). */
export async function readZipEntry(blobs: BlobStore, digest: string, path: string): Promise<Buffer | undefined> {
  const zip = await openBlobZip(blobs, digest);
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== path) continue;
      const chunks: Buffer[] = [];
      for await (const c of await zip.openReadStreamPromise(entry)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    return undefined;
  } finally {
    zip.close();
  }
}

/**
 * Extracts a stored zip into `destDir` (created when missing). Entries that would land outside it (zip-slip:
 * `../x`, absolute names) are refused, and symbolic links are made last and only when they point inside, so no
 * file is ever written through a link.
 */
export async function extractZip(blobs: BlobStore, digest: string, destDir: string): Promise<ZipEntryInfo[]> {
  const root = resolve(destDir);
  await mkdir(root, { recursive: true });
  const zip = await openBlobZip(blobs, digest);
  const out: ZipEntryInfo[] = [];
  const links: Array<{ target: string; link: string }> = [];
  // One mkdir per directory, not one per file: archives hold thousands of files in a few directories.
  const made = new Set<string>([root]);
  const ensureDir = async (dir: string): Promise<void> => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };
  try {
    for await (const entry of zip.eachEntry()) {
      const info = describe(entry);
      const dest = resolve(root, info.path);
      if (!isInside(root, dest) || dest === root) {
        throw new SlipwayError('InvalidArtifact', `Zip entry ${JSON.stringify(entry.fileName)} would be written outside ${root}; expected relative paths inside the archive`);
      }
      out.push(info);
      if (info.kind === 'directory') {
        await ensureDir(dest);
        continue;
      }
      await ensureDir(dirname(dest));
      const stream: Readable = await zip.openReadStreamPromise(entry);
      if (info.kind === 'symlink') {
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        const target = Buffer.concat(chunks).toString('utf8');
        if (!isInside(root, resolve(dirname(dest), target))) {
          throw new SlipwayError('InvalidArtifact', `Zip entry ${JSON.stringify(entry.fileName)} is a symbolic link to ${JSON.stringify(target)}, outside ${root}; refused`);
        }
        links.push({ target, link: dest });
        continue;
      }
      await removeIfLink(dest);
      await pipeline(stream, createWriteStream(dest, { mode: info.mode & 0o7777 || 0o644 }));
      const mtime = entry.getLastModDate();
      await utimes(dest, mtime, mtime);
    }
    for (const { target, link } of links) {
      await rm(link, { force: true, recursive: true });
      await symlink(target, link);
    }
  } catch (error) {
    if (error instanceof SlipwayError || isCode(error, 'ENOSPC') || isCode(error, 'EACCES')) throw error;
    // yauzl's own checks (unsafe names, sizes that do not add up) come as plain errors.
    throw new SlipwayError('InvalidArtifact', `Artifact ${digest} cannot be extracted: ${(error as Error).message}`, { cause: error });
  } finally {
    zip.close();
  }
  return out;
}

async function openBlobZip(blobs: BlobStore, digest: string): Promise<yauzl.ZipFile> {
  const path = blobs.path(digest);
  try {
    // strictFileNames: a backslash or absolute name is an error, not something to reinterpret.
    return await yauzl.openPromise(path, { strictFileNames: true, validateEntrySizes: true });
  } catch (error) {
    if (isCode(error, 'ENOENT')) throw new SlipwayError('BlobNotFound', `Artifact ${digest} is not in the blob store`, { cause: error });
    throw new SlipwayError('InvalidArtifact', `Artifact ${digest} is not a readable zip: ${(error as Error).message}`, { cause: error });
  }
}

function describe(entry: yauzl.Entry): ZipEntryInfo {
  const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
  const isDir = entry.fileName.endsWith('/');
  const kind = isDir ? 'directory' : (mode & S_IFMT) === S_IFLNK ? 'symlink' : 'file';
  const path = isDir ? entry.fileName.slice(0, -1) : entry.fileName;
  return { path, kind, mode, size: entry.uncompressedSize };
}
