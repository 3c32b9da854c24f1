// Reads an image manifest, image index or manifest list: its media type and what it references (blobs, children, subject).
import { createHash } from 'node:crypto';
import { SlipwayError } from '../../core/errors.ts';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

export const MANIFEST_TYPES: readonly string[] = Object.values(MEDIA);
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
/** Manifests above this size are refused, as the distribution spec allows (4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
}

export interface ParsedManifest {
  readonly digest: string;
  readonly mediaType: string;
  /** Config and layers of an image manifest. */
  readonly blobs: readonly Descriptor[];
  /** Entries of an index or manifest list. */
  readonly children: readonly Descriptor[];
  readonly subject?: Descriptor;
  /** `artifactType`, else the config's media type for image manifests (what the referrers API reports). */
  readonly artifactType?: string;
  readonly annotations?: Record<string, string>;
  readonly isIndex: boolean;
}

export function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

function invalid(message: string): SlipwayError {
  return new SlipwayError('InvalidParameterException', message, { extra: { ociCode: 'MANIFEST_INVALID' } });
}

function descriptor(value: unknown, field: string): Descriptor {
  if (typeof value !== 'object' || value === null) throw invalid(`Invalid manifest: ${field} must be a descriptor object`);
  const d = value as Record<string, unknown>;
  if (typeof d['digest'] !== 'string' || !DIGEST_PATTERN.test(d['digest'])) {
    throw invalid(`Invalid manifest: ${field}.digest must be sha256:<64 hex digits>; found ${JSON.stringify(d['digest'])}`);
  }
  if (typeof d['size'] !== 'number' || !Number.isInteger(d['size']) || d['size'] < 0) {
    throw invalid(`Invalid manifest: ${field}.size must be a non-negative integer`);
  }
  if (typeof d['mediaType'] !== 'string') throw invalid(`Invalid manifest: ${field}.mediaType must be a string`);
  return {
    mediaType: d['mediaType'],
    digest: d['digest'],
    size: d['size'],
    ...(typeof d['artifactType'] === 'string' ? { artifactType: d['artifactType'] } : {}),
    ...(typeof d['annotations'] === 'object' && d['annotations'] !== null ? { annotations: d['annotations'] as Record<string, string> } : {}),
  };
}

/** Parses `body`; `declaredType` is the Content-Type of a registry PUT or ECR's imageManifestMediaType. */
export function parseManifest(body: Buffer, declaredType?: string): ParsedManifest {
  if (body.length > MAX_MANIFEST_BYTES) throw invalid(`Manifest is ${body.length} bytes; expected at most ${MAX_MANIFEST_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('Invalid manifest: the body is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid('Invalid manifest: expected a JSON object');
  const m = json as Record<string, unknown>;
  const declared = declaredType?.split(';')[0]?.trim();
  const own = typeof m['mediaType'] === 'string' ? m['mediaType'] : undefined;
  if (own !== undefined && declared !== undefined && MANIFEST_TYPES.includes(declared) && own !== declared) {
    throw invalid(`Invalid manifest: its mediaType is ${own} but it was sent as ${declared}`);
  }
  const mediaType =
    own ?? (declared !== undefined && MANIFEST_TYPES.includes(declared) ? declared : Array.isArray(m['manifests']) ? MEDIA.ociIndex : MEDIA.ociManifest);
  if (!MANIFEST_TYPES.includes(mediaType)) {
    throw invalid(`Unsupported manifest media type ${mediaType}; expected one of ${MANIFEST_TYPES.join(', ')}`);
  }
  if (m['schemaVersion'] !== 2) throw invalid(`Invalid manifest: schemaVersion must be 2; found ${JSON.stringify(m['schemaVersion'])}`);
  const isIndex = mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
  const blobs: Descriptor[] = [];
  const children: Descriptor[] = [];
  if (isIndex) {
    if (!Array.isArray(m['manifests'])) throw invalid('Invalid manifest: an index needs a manifests list');
    m['manifests'].forEach((d: unknown, i) => children.push(descriptor(d, `manifests[${i}]`)));
  } else {
    blobs.push(descriptor(m['config'], 'config'));
    if (!Array.isArray(m['layers'])) throw invalid('Invalid manifest: an image manifest needs a layers list');
    m['layers'].forEach((d: unknown, i) => blobs.push(descriptor(d, `layers[${i}]`)));
  }
  const subject = m['subject'] === undefined ? undefined : descriptor(m['subject'], 'subject');
  const artifactType = typeof m['artifactType'] === 'string' ? m['artifactType'] : isIndex ? undefined : blobs[0]?.mediaType;
  const annotations = typeof m['annotations'] === 'object' && m['annotations'] !== null ? (m['annotations'] as Record<string, string>) : undefined;
  return {
    digest: sha256(body),
    mediaType,
    blobs,
    children,
    isIndex,
    ...(subject === undefined ? {} : { subject }),
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}
