// Pipeline artifacts at rest: AES-256-GCM sealed zips in the blob store, under a key kept in the data dir.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { dirname, join } from 'node:path';
import { SlipwayError } from '../../core/errors.ts';
import type { BlobInfo, BlobStore } from '../../store/blobs.ts';

const MAGIC = Buffer.from('SLPA1');
const IV = 12;
const TAG = 16;

/** `<data dir>/codepipeline/artifact.key`: 32 random bytes, created on first use, readable by the owner only. */
export function artifactKeyPath(dataDir: string): string {
  return join(dataDir, 'codepipeline', 'artifact.key');
}

export function loadArtifactKey(dataDir: string): Buffer {
  const path = artifactKeyPath(dataDir);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, randomBytes(32), { flag: 'wx', mode: 0o600 });
    chmodSync(path, 0o600);
  }
  const key = readFileSync(path);
  if (key.length !== 32) throw new SlipwayError('InvalidArtifactKey', `${path} holds ${key.length} bytes; expected a 32-byte AES-256 key (delete it only if no artifact needs reading)`, { fault: 'server' });
  return key;
}

export function seal(key: Buffer, plain: Uint8Array): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

export function open(key: Buffer, sealed: Buffer): Buffer {
  if (!sealed.subarray(0, MAGIC.length).equals(MAGIC)) throw new SlipwayError('InvalidArtifact', 'The artifact blob is not a sealed Slipway artifact', { fault: 'server' });
  const iv = sealed.subarray(MAGIC.length, MAGIC.length + IV);
  const tag = sealed.subarray(MAGIC.length + IV, MAGIC.length + IV + TAG);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(MAGIC.length + IV + TAG)), decipher.final()]);
}

export class ArtifactStore {
  readonly #blobs: BlobStore;
  readonly #key: Buffer;

  constructor(blobs: BlobStore, dataDir: string) {
    this.#blobs = blobs;
    this.#key = loadArtifactKey(dataDir);
  }

  /** Seals and stores a zip; the digest is the sealed blob's, so equal zips still get distinct blobs. */
  async put(zip: Uint8Array): Promise<BlobInfo> {
    return this.#blobs.put(seal(this.#key, zip));
  }

  async read(digest: string): Promise<Buffer> {
    return open(this.#key, await buffer(await this.#blobs.read(digest)));
  }
}
