// Test helpers: temporary trees, a temporary blob store, and a buildspec's artifacts read through the real reader.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Artifacts, Buildspec } from '../../../specs/buildspec/model.ts';
import { readBuildspec } from '../../../specs/buildspec/read.ts';
import { BlobStore } from '../../../store/blobs.ts';

export function tempDir(t: TestContext, prefix = 'slipway-outputs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempBlobs(t: TestContext): BlobStore {
  return new BlobStore(tempDir(t, 'slipway-outputs-blobs-'));
}

/** A file's content, `{ link: target }` for a symbolic link, or `{ mode, content }` for an executable. */
export type TreeEntry = string | { readonly link: string } | { readonly mode: number; readonly content: string };

/** Writes `files` under `root` ('a/b.txt' → root/a/b.txt); a key ending in '/' makes an empty directory. */
export function writeTree(root: string, files: Readonly<Record<string, TreeEntry>>): string {
  for (const [rel, entry] of Object.entries(files)) {
    const path = join(root, rel);
    if (rel.endsWith('/')) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    if (typeof entry === 'string') writeFileSync(path, entry);
    else if ('link' in entry) symlinkSync(entry.link, path);
    else {
      writeFileSync(path, entry.content);
      chmodSync(path, entry.mode);
    }
  }
  return root;
}

/** The artifacts section of a buildspec written as YAML lines under `artifacts:`. */
export function artifactsOf(...lines: string[]): Artifacts {
  const spec = buildspecOf('artifacts:', ...lines);
  if (spec.artifacts === undefined) throw new Error('no artifacts section');
  return spec.artifacts;
}

export function buildspecOf(...lines: string[]): Buildspec {
  return readBuildspec(['version: 0.2', 'phases:', '  build:', '    commands:', '      - echo hi', ...lines].join('\n') + '\n');
}
