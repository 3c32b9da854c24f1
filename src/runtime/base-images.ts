// Builds and caches small base images locally from host binaries (no registry): busybox, and Node.js 24.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SlipwayError } from '../core/errors.ts';
import { LABELS, type BuildImageOptions, type ContainerRuntime } from './types.ts';

const run = promisify(execFile);

/**
 * The public name of the Node base image. User Dockerfiles say `FROM public.ecr.aws/docker/library/node:24-slim`
 * (as they would on AWS); ensureNodeImage tags the local image with this name too, so those Dockerfiles build
 * offline without pulling — the engine finds the name locally and never asks a registry.
 */
export const PUBLIC_NODE_IMAGE = 'public.ecr.aws/docker/library/node:24-slim';

export const BUSYBOX_PATH = '/bin/busybox';

export interface EnsureImageOptions {
  /** Repository the image is tagged in; default `slipway/busybox` or `slipway/node` (tests use their own). */
  readonly repository?: string;
  /** Labels given to the image when it is built. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra names for the image; for the Node image default `[PUBLIC_NODE_IMAGE]`, for busybox none. */
  readonly aliases?: readonly string[];
  readonly onOutput?: (line: string) => void;
}

export interface EnsuredImage {
  /** The content-addressed tag, e.g. `slipway/busybox:3f2a…`. */
  readonly ref: string;
  /** False when an image with this content was already present. */
  readonly built: boolean;
  readonly aliases: readonly string[];
}

/** The busybox image: `FROM scratch`, the host's busybox with its applet symlinks in /bin. */
export async function ensureBusyboxImage(runtime: ContainerRuntime, options: EnsureImageOptions = {}): Promise<EnsuredImage> {
  const files: Record<string, { hostPath: string; mode?: number }> = {};
  await addBinary(files, BUSYBOX_PATH, '/bin/busybox');
  const dockerfile = [
    '# Slipway busybox base, built locally from the host binary.',
    'FROM scratch',
    'COPY rootfs/ /',
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'RUN mkdir -p /tmp && chmod 1777 /tmp',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'CMD ["/bin/sh"]',
    '',
  ].join('\n');
  return ensure(runtime, options.repository ?? 'slipway/busybox', '', dockerfile, files, options, options.aliases ?? []);
}

/** The Node.js 24 image: the Node binary that runs Slipway, its shared libraries and loader, and busybox for /bin/sh. */
export async function ensureNodeImage(runtime: ContainerRuntime, options: EnsureImageOptions = {}): Promise<EnsuredImage> {
  return ensureNodeBased(runtime, options, {
    comment: 'Slipway Node.js 24 base, built locally from the host Node binary; also tagged as node:24-slim.',
    repository: 'slipway/node',
    aliases: [PUBLIC_NODE_IMAGE],
    extra: [],
  });
}

/**
 * The names of AWS's managed CodeBuild images. Slipway cannot pull them; it answers them with its own build image
 * (Node 24, bash and busybox's tools), which covers what the seed's buildspec uses. See the CodeBuild README.
 */
export const CODEBUILD_MANAGED_IMAGES = [
  'aws/codebuild/amazonlinux-x86_64-standard:5.0',
  'aws/codebuild/amazonlinux2-x86_64-standard:5.0',
  'aws/codebuild/amazonlinux2-x86_64-standard:4.0',
  'aws/codebuild/standard:7.0',
  'aws/codebuild/standard:6.0',
  'aws/codebuild/standard:5.0',
] as const;

export const BASH_PATH = '/bin/bash';

/** The build image: the Node image plus the host's bash (CodeBuild's default shell), tagged with CODEBUILD_MANAGED_IMAGES. */
export async function ensureCodeBuildImage(runtime: ContainerRuntime, options: EnsureImageOptions = {}): Promise<EnsuredImage> {
  return ensureNodeBased(runtime, options, {
    comment: "Slipway's stand-in for AWS's managed CodeBuild images: Node.js 24, bash and busybox, built locally.",
    repository: 'slipway/codebuild',
    aliases: CODEBUILD_MANAGED_IMAGES,
    extra: [{ hostPath: BASH_PATH, imagePath: '/bin/bash' }],
  });
}

async function ensureNodeBased(
  runtime: ContainerRuntime,
  options: EnsureImageOptions,
  image: { comment: string; repository: string; aliases: readonly string[]; extra: readonly { hostPath: string; imagePath: string }[] },
): Promise<EnsuredImage> {
  const node = nodeBinaryPath();
  const files: Record<string, { hostPath: string; mode?: number }> = {};
  await addBinary(files, node, '/usr/local/bin/node');
  await addBinary(files, BUSYBOX_PATH, '/bin/busybox');
  for (const binary of image.extra) await addBinary(files, binary.hostPath, binary.imagePath);
  const dockerfile = [
    `# ${image.comment}`,
    'FROM scratch',
    'COPY rootfs/ /',
    // -s without overwriting: binaries copied in (bash) keep their own files.
    'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
    'RUN mkdir -p /tmp /root && chmod 1777 /tmp && echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd && echo "root:x:0:" > /etc/group',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_VERSION=' + (await nodeVersion(node)),
    'CMD ["node"]',
    '',
  ].join('\n');
  return ensure(runtime, options.repository ?? image.repository, '24-', dockerfile, files, options, options.aliases ?? image.aliases);
}

/** The Node 24 binary: this process's when it is Node 24, else the project's bundled one (node_modules/node). */
export function nodeBinaryPath(): string {
  if (process.versions.node.split('.')[0] === '24') return process.execPath;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const bundled = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(bundled)) {
    throw new SlipwayError('BaseImageUnavailable', `No Node.js 24 binary: this process runs ${process.version} and ${bundled} is absent; expected Node 24 (run \`npm install\`)`);
  }
  return bundled;
}

async function nodeVersion(node: string): Promise<string> {
  const { stdout } = await run(node, ['-p', 'process.versions.node']);
  return stdout.trim();
}

/** Shared libraries a dynamic executable needs, as `ldd` reports them (with the loader); none for a static one. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('ldd', [binary]));
  } catch (err) {
    // ldd exits 1 for a static executable ("not a dynamic executable").
    const field = (key: 'stdout' | 'stderr'): string => {
      const value: unknown = typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
      return typeof value === 'string' ? value : '';
    };
    const out = field('stdout') + field('stderr');
    if (/not a dynamic executable|statically linked/.test(out)) return [];
    throw new SlipwayError('BaseImageUnavailable', `ldd ${binary} failed; expected ldd (libc-bin) on PATH to list the libraries to copy`, { cause: err });
  }
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`; vdso has no path.
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1] !== undefined) libs.push(match[1]);
  }
  return libs;
}

async function addBinary(files: Record<string, { hostPath: string; mode?: number }>, hostPath: string, imagePath: string): Promise<void> {
  if (!existsSync(hostPath)) {
    throw new SlipwayError('BaseImageUnavailable', `${hostPath} not found; expected it on the host to build a base image (install busybox-static, or run npm install for Node 24)`);
  }
  files[`rootfs${imagePath}`] = { hostPath, mode: 0o755 };
  // Libraries go at the very paths ldd found them, so the loader finds them in the image as on the host.
  for (const lib of await sharedLibraries(hostPath)) files[`rootfs${lib}`] = { hostPath: lib, mode: 0o755 };
}

const fileHashes = new Map<string, string>();

/** sha256 of a file's content, remembered per (path, size, mtime, inode) so a second ensure does not reread 100 MB. */
async function hashFile(path: string): Promise<string> {
  const info = await stat(path);
  const key = `${path}:${info.size}:${info.mtimeMs}:${info.ino}`;
  const known = fileHashes.get(key);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  fileHashes.set(key, digest);
  return digest;
}

async function ensure(
  runtime: ContainerRuntime,
  repository: string,
  tagPrefix: string,
  dockerfile: string,
  files: Record<string, { hostPath: string; mode?: number }>,
  options: EnsureImageOptions,
  aliases: readonly string[],
): Promise<EnsuredImage> {
  const hash = createHash('sha256').update(dockerfile);
  for (const [name, file] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`\0${name}\0${file.mode ?? ''}\0${await hashFile(file.hostPath)}`);
  }
  const ref = `${repository}:${tagPrefix}${hash.digest('hex').slice(0, 16)}`;
  let built = false;
  if (!(await runtime.imageExists(ref))) {
    const build: BuildImageOptions = {
      tag: ref,
      files: { ...files, Dockerfile: Buffer.from(dockerfile) },
      labels: { [LABELS.role]: 'base-image', ...options.labels },
      ...(options.onOutput ? { onOutput: options.onOutput } : {}),
    };
    await runtime.buildImage(build);
    built = true;
  }
  // Re-tag every time: an alias may still name an older build of the same base.
  for (const alias of aliases) await runtime.tagImage(ref, alias);
  return { ref, built, aliases: [...aliases] };
}
