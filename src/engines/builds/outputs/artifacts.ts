// UPLOAD_ARTIFACTS: the buildspec's primary and secondary artifacts, zipped into the blob store.
import { SlipwayError } from '../../../core/errors.ts';
import type { Artifacts, ArtifactSet } from '../../../specs/buildspec/model.ts';
import type { BlobStore } from '../../../store/blobs.ts';
import type { SelectedFile } from './select.ts';
import { NO_MATCHING_ARTIFACT_PATHS, selectFiles } from './select.ts';
import { writeZip } from './zip.ts';

/** Bucket named in artifact locations; nothing is uploaded to S3, the zip lives in Slipway's blob store. */
export const DEFAULT_ARTIFACT_BUCKET = 'slipway-artifacts';

export interface ArtifactFileInfo {
  /** Path inside the zip. */
  readonly path: string;
  readonly kind: 'file' | 'symlink';
  readonly size: number;
  readonly mode: number;
}

/** The BuildArtifacts shape of BatchGetBuilds (`artifacts` and `secondaryArtifacts[]`). */
export interface BuildArtifactsShape {
  location: string;
  sha256sum: string;
  md5sum: string;
  overrideArtifactName?: boolean;
  artifactIdentifier?: string;
}

export interface ArtifactOutput {
  /** Undefined for the primary artifact. */
  readonly artifactIdentifier?: string;
  /** The zip's name (without `.zip`): the project's artifact name, the identifier, or the buildspec `name`. */
  readonly name: string;
  readonly location: string;
  readonly blobDigest: string;
  readonly sha256sum: string;
  readonly md5sum: string;
  readonly size: number;
  readonly files: readonly ArtifactFileInfo[];
  /** Flattened name collisions, broken links, patterns leaving the base directory: worth a log line each. */
  readonly warnings: readonly string[];
  /** CodeBuild agent-style lines about the file list, for the build log. */
  readonly log: readonly string[];
  /** Ready to place on the Build. */
  readonly buildArtifacts: BuildArtifactsShape;
}

export interface CollectArtifactsOptions {
  /** The host directory holding CODEBUILD_SRC_DIR's content after the build. */
  readonly srcDir: string;
  readonly artifacts: Artifacts;
  readonly blobs: BlobStore;
  readonly projectName: string;
  /** `project:uuid`. */
  readonly buildId: string;
  readonly bucket?: string;
  /** False when the project's artifacts type is NO_ARTIFACTS: only secondary artifacts are made. */
  readonly primary?: boolean;
  /** The project's artifacts.name (default: the project name). */
  readonly primaryName?: string;
  /** The project's (or StartBuild's) overrideArtifactName: the buildspec `name` then names the zips. */
  readonly overrideArtifactName?: boolean;
  /** Evaluates a buildspec `name` in the build's shell (`$(date +%F)`, `$AWS_REGION`); default: taken literally. */
  readonly evaluateName?: (raw: string) => Promise<string>;
  /**
   * The project's secondaryArtifacts identifiers. Given: each must be in the buildspec, and buildspec entries the
   * project lacks are skipped. Absent: every buildspec secondary artifact is made.
   */
  readonly secondaryIdentifiers?: readonly string[];
  /** Host mode only: follow links that leave srcDir (see SelectOptions). */
  readonly followLinksOutside?: boolean;
}

export interface CollectedArtifacts {
  readonly primary?: ArtifactOutput;
  readonly secondary: ArtifactOutput[];
}

interface Planned {
  readonly id?: string;
  readonly set: ArtifactSet;
  readonly files: SelectedFile[];
  readonly warnings: string[];
  readonly log: string[];
}

/**
 * Selects every artifact's files first and zips only when all of them matched something, so a failing build
 * leaves no half-made outputs. Throws SlipwayError `CLIENT_ERROR` "no matching artifact paths found" (AWS's
 * UPLOAD_ARTIFACTS phase context) naming the artifact in `extra.artifactIdentifier`.
 */
export async function collectArtifacts(options: CollectArtifactsOptions): Promise<CollectedArtifacts> {
  const { artifacts } = options;
  const wanted: Array<{ id?: string; set: ArtifactSet }> = [];
  if (options.primary !== false) wanted.push({ set: artifacts });
  const ids = options.secondaryIdentifiers ?? Object.keys(artifacts.secondaryArtifacts);
  for (const id of ids) {
    const set = artifacts.secondaryArtifacts[id];
    if (set === undefined) {
      throw new SlipwayError('CLIENT_ERROR', `secondary artifact ${JSON.stringify(id)} is declared on the project but not under artifacts.secondary-artifacts in the buildspec`, {
        extra: { artifactIdentifier: id },
      });
    }
    wanted.push({ id, set });
  }
  const planned: Planned[] = [];
  for (const w of wanted) {
    const selection = await selectFiles(options.srcDir, w.set, { followLinksOutside: options.followLinksOutside === true });
    if (selection.files.length === 0) {
      const which = w.id === undefined ? 'primary artifact' : `secondary artifact ${w.id}`;
      throw new SlipwayError('CLIENT_ERROR', NO_MATCHING_ARTIFACT_PATHS, {
        extra: {
          artifactIdentifier: w.id ?? null,
          detail: `${which}: nothing matched ${w.set.files.map((f) => JSON.stringify(f)).join(', ')}`,
          log: selection.log,
        },
      });
    }
    planned.push({ ...(w.id === undefined ? {} : { id: w.id }), set: w.set, files: selection.files, warnings: selection.warnings, log: selection.log });
  }
  const secondary: ArtifactOutput[] = [];
  let primary: ArtifactOutput | undefined;
  for (const p of planned) {
    const out = await store(options, p);
    if (p.id === undefined) primary = out;
    else secondary.push(out);
  }
  return { ...(primary === undefined ? {} : { primary }), secondary };
}

async function store(options: CollectArtifactsOptions, p: Planned): Promise<ArtifactOutput> {
  const archive = await writeZip(p.files, options.blobs);
  const name = await artifactName(options, p);
  const bucket = options.bucket ?? DEFAULT_ARTIFACT_BUCKET;
  const buildUuid = options.buildId.slice(options.buildId.lastIndexOf(':') + 1);
  const file = name.endsWith('.zip') ? name : `${name}.zip`;
  // s3-prefix takes the place of the path before the build id, as in AWS's `<s3-prefix>/<build-id>/<name>.zip`.
  const prefix = p.set.s3Prefix?.replace(/^\/+|\/+$/g, '') || options.projectName;
  const location = `arn:aws:s3:::${bucket}/${prefix}/${buildUuid}/${file}`;
  const buildArtifacts: BuildArtifactsShape = {
    location,
    sha256sum: archive.sha256,
    md5sum: archive.md5,
    ...(options.overrideArtifactName === undefined ? {} : { overrideArtifactName: options.overrideArtifactName }),
    ...(p.id === undefined ? {} : { artifactIdentifier: p.id }),
  };
  return {
    ...(p.id === undefined ? {} : { artifactIdentifier: p.id }),
    name,
    location,
    blobDigest: archive.digest,
    sha256sum: archive.sha256,
    md5sum: archive.md5,
    size: archive.size,
    files: p.files.map((f) => ({ path: f.path, kind: f.kind, size: f.size, mode: f.mode })),
    warnings: p.warnings,
    log: p.log,
    buildArtifacts,
  };
}

async function artifactName(options: CollectArtifactsOptions, p: Planned): Promise<string> {
  if (options.overrideArtifactName === true && p.set.name !== undefined) {
    const evaluated = options.evaluateName === undefined ? p.set.name : await options.evaluateName(p.set.name);
    if (evaluated.trim() !== '') return evaluated.trim();
  }
  return p.id ?? options.primaryName ?? options.projectName;
}
