// Source/AWS/ECR: the image a tag points at, as imageDetail.json with AWS's source variables (AWS-SEMANTICS §2.5).
import { registryHost } from '../../../services/ecr/auth.ts';
import { findManifest, findRepository, tagsOf } from '../../../services/ecr/state.ts';
import { num, str } from '../../../store/db.ts';
import type { EngineContext } from '../../types.ts';
import { ActionFailure, type ActionProvider } from '../types.ts';
import { zipOf } from './zip.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mon Jan 21 20:04:00 UTC 2019`, as imageDetail.json's ImagePushedAt reads. */
export function pushedAt(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

export function ecrSource(ctx: EngineContext): ActionProvider {
  return {
    category: 'Source',
    owner: 'AWS',
    provider: 'ECR',
    // Reading the registry's state is quick and repeatable: after a restart it simply runs again.
    resumable: true,
    async run(job) {
      const repo = job.configuration['RepositoryName'] ?? '';
      const tag = job.configuration['ImageTag'] ?? 'latest';
      if (findRepository(ctx, repo) === undefined) throw new ActionFailure(`The ECR repository ${repo} does not exist in Slipway`, 'ConfigurationError');
      let reference = tag;
      if (job.sourceRevision !== undefined) {
        if (job.sourceRevision.revisionType !== 'IMAGE_DIGEST') throw new ActionFailure(`An ECR source takes an IMAGE_DIGEST revision override, not ${job.sourceRevision.revisionType}`, 'ConfigurationError');
        reference = job.sourceRevision.revisionValue;
      }
      const manifest = findManifest(ctx, repo, reference);
      if (manifest === undefined) throw new ActionFailure(`No image ${reference} in ECR repository ${repo}`, 'RevisionUnavailable');
      const digest = str(manifest, 'digest');
      const layers = ctx.store.get(
        "SELECT sum(l.size) AS size FROM ecr_manifest_refs r JOIN ecr_blob_links l ON l.repo = r.repo AND l.digest = r.child WHERE r.repo = ? AND r.digest = ? AND r.kind = 'blob'",
        repo,
        digest,
      );
      const size = (layers === undefined ? 0 : num(layers, 'size')) || num(manifest, 'size');
      const uri = `${registryHost(ctx)}/${repo}@${digest}`;
      const detail = {
        ImageSizeInBytes: String(size),
        ImageDigest: digest,
        Version: '1.0',
        ImagePushedAt: pushedAt(num(manifest, 'pushed_at')),
        RegistryId: ctx.config.accountId,
        RepositoryName: repo,
        ImageURI: uri,
        ImageTags: tagsOf(ctx, repo, digest),
      };
      const out = job.outputArtifactNames[0] ?? 'SourceArtifact';
      return {
        outputArtifacts: { [out]: await zipOf({ 'imageDetail.json': JSON.stringify(detail) }) },
        outputVariables: { RegistryId: ctx.config.accountId, RepositoryName: repo, ImageTag: tag, ImageDigest: digest, ImageURI: uri },
        summary: `${repo}:${tag}`,
        externalExecutionId: digest,
        revision: { revisionId: digest, revisionSummary: `${repo}:${tag}`, created: num(manifest, 'pushed_at') },
      };
    },
  };
}
