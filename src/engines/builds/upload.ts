// UPLOAD_ARTIFACTS: zips the buildspec's artifacts into the blob store (through ./outputs) and lists them on the build.
import type { BuildRecord } from '../../services/codebuild/build-state.ts';
import type { Buildspec } from '../../specs/buildspec/read.ts';
import type { EngineContext } from '../types.ts';
import type { BuildLog } from './build-log.ts';
import { collectArtifacts, collectReports, saveReports, type ArtifactOutput } from './outputs/index.ts';

function shape(a: ArtifactOutput): NonNullable<BuildRecord['artifacts']> {
  const out: NonNullable<BuildRecord['artifacts']> = { location: a.location, sha256sum: a.sha256sum, md5sum: a.md5sum };
  if (a.artifactIdentifier !== undefined) out.artifactIdentifier = a.artifactIdentifier;
  return out;
}

/** Records the zips on `record`; a buildspec without `artifacts` (or a NO_ARTIFACTS project) uploads nothing. */
export async function uploadArtifacts(ctx: EngineContext, record: BuildRecord, buildspec: Buildspec, hostSrc: string, log: BuildLog, evaluate: (raw: string) => Promise<string>): Promise<void> {
  const definition = record.artifactsDefinition;
  const secondaryIds = record.secondaryArtifactsDefinition.map((a) => a.artifactIdentifier ?? '').filter((id) => id !== '');
  const primary = definition !== undefined && definition.type !== 'NO_ARTIFACTS' && definition.type !== 'CODEPIPELINE' ? true : definition?.type === 'CODEPIPELINE';
  if (buildspec.artifacts === undefined || (!primary && secondaryIds.length === 0)) {
    log.agent('No artifacts to upload');
    return;
  }
  const collected = await collectArtifacts({
    srcDir: hostSrc,
    artifacts: buildspec.artifacts,
    blobs: ctx.blobs,
    projectName: record.projectName,
    buildId: record.id,
    primary,
    // `name: build-$(date +%F)` is evaluated by the build's shell, as AWS does.
    evaluateName: evaluate,
    ...(definition?.name === undefined ? {} : { primaryName: definition.name }),
    ...(definition?.overrideArtifactName === undefined ? {} : { overrideArtifactName: definition.overrideArtifactName }),
    ...(secondaryIds.length === 0 ? {} : { secondaryIdentifiers: secondaryIds }),
  });
  for (const a of [collected.primary, ...collected.secondary]) {
    if (a === undefined) continue;
    for (const w of a.warnings) log.agent(w);
    log.agent(`Uploaded artifact ${a.artifactIdentifier ?? 'primary'}: ${a.location} (${a.files.length} files, ${a.size} bytes)`);
  }
  if (collected.primary !== undefined) record.artifacts = shape(collected.primary);
  record.secondaryArtifacts = collected.secondary.map(shape);
}

/** The buildspec `reports`: test and coverage files parsed into reports of their groups, listed as the build's reportArns. */
export async function uploadReports(ctx: EngineContext, record: BuildRecord, buildspec: Buildspec, hostSrc: string, log: BuildLog): Promise<void> {
  if (Object.keys(buildspec.reports).length === 0) return;
  const { reports, warnings } = await collectReports({
    srcDir: hostSrc,
    reports: buildspec.reports,
    projectName: record.projectName,
    buildArn: record.arn,
    account: ctx.config,
    now: () => ctx.clock.now(),
  });
  for (const w of warnings) log.agent(w);
  for (const r of reports) {
    for (const w of r.warnings) log.agent(w);
    log.agent(`Report ${r.reportGroupName}: ${r.files.length} file(s), status ${r.report.status}`);
  }
  saveReports(ctx.store, reports, ctx.bus);
  record.reportArns = reports.map((r) => r.report.arn);
}
