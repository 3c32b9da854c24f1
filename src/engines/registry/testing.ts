// Helpers for tests and the bench: a token login, raw registry requests, and small images made in memory.
import { createHash } from 'node:crypto';

export interface Blob {
  readonly digest: string;
  readonly size: number;
  readonly body: Buffer;
}

export function blobOf(body: Buffer | string): Blob {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return { digest: `sha256:${createHash('sha256').update(buf).digest('hex')}`, size: buf.length, body: buf };
}

/** An OCI image manifest for a config and layers (bytes of the manifest as it will be pushed). */
export function imageManifest(config: Blob, layers: readonly Blob[], extra: Record<string, unknown> = {}): Blob {
  return blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size })),
      ...extra,
    }),
  );
}

/** Asks the ECR API for a token and returns the registry password. */
export async function loginPassword(endpoint: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken' },
    body: '{}',
  });
  const body = (await res.json()) as { authorizationData: Array<{ authorizationToken: string }> };
  const token = Buffer.from(body.authorizationData[0]?.authorizationToken ?? '', 'base64').toString('utf8');
  return token.slice(token.indexOf(':') + 1);
}

export async function createRepository(endpoint: string, name: string): Promise<void> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.CreateRepository' },
    body: JSON.stringify({ repositoryName: name }),
  });
  if (res.status !== 200) throw new Error(`CreateRepository ${name}: ${res.status} ${await res.text()}`);
}

/** A registry client speaking raw HTTP with basic auth. */
export class RawRegistry {
  readonly endpoint: string;
  readonly auth: string;

  constructor(endpoint: string, password: string) {
    this.endpoint = endpoint;
    this.auth = `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}`;
  }

  fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.endpoint}${path}`;
    return fetch(url, { ...init, headers: { authorization: this.auth, ...init.headers } });
  }

  async pushBlob(repo: string, blob: Blob): Promise<Response> {
    return this.fetch(`/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: blob.body,
    });
  }

  async pushManifest(repo: string, reference: string, manifest: Blob, mediaType = 'application/vnd.oci.image.manifest.v1+json'): Promise<Response> {
    return this.fetch(`/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: manifest.body });
  }

  /** Pushes config, layers and the manifest under `tag`; returns the manifest. */
  async pushImage(repo: string, tag: string, seed: string, layerBytes = 1024): Promise<{ manifest: Blob; config: Blob; layers: Blob[] }> {
    const config = blobOf(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
    const layers = [blobOf(Buffer.concat([Buffer.from(seed), Buffer.alloc(layerBytes, seed)]))];
    for (const b of [config, ...layers]) {
      const r = await this.pushBlob(repo, b);
      if (r.status !== 201) throw new Error(`blob push ${r.status}: ${await r.text()}`);
    }
    const manifest = imageManifest(config, layers);
    const r = await this.pushManifest(repo, tag, manifest);
    if (r.status !== 201) throw new Error(`manifest push ${r.status}: ${await r.text()}`);
    return { manifest, config, layers };
  }
}

export async function ociErrorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { errors?: Array<{ code: string }> };
  return body.errors?.[0]?.code;
}
