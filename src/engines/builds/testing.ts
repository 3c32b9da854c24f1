// Test helpers for builds: a daemon with the real engine and a busybox image, and "run this buildspec, give me the build and its log".
import { BatchGetBuildsCommand, CodeBuildClient, CreateProjectCommand, StartBuildCommand, type Build, type ProjectArtifacts, type ProjectCache, type StartBuildInput } from '@aws-sdk/client-codebuild';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { randomBytes } from 'node:crypto';
import { typeFilter } from '../../core/events.ts';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';

export interface BuildHarness {
  readonly t: TestDaemon;
  readonly codebuild: CodeBuildClient;
  readonly logs: CloudWatchLogsClient;
  /** The busybox image's ref (sh is busybox ash). */
  readonly image: string;
  stop(): Promise<void>;
}

export async function startBuildHarness(): Promise<BuildHarness> {
  const t = await startTestDaemon({ runtime: 'auto' });
  await t.daemon.whenRuntimeSettled();
  const image = (await ensureBusyboxImage(t.daemon.runtime)).ref;
  return {
    t,
    codebuild: new CodeBuildClient(t.sdk),
    logs: new CloudWatchLogsClient(t.sdk),
    image,
    stop: () => t.stop(),
  };
}

export interface ProjectOptions {
  readonly image?: string;
  readonly privilegedMode?: boolean;
  readonly environmentVariables?: { name: string; value: string; type?: 'PLAINTEXT' | 'PARAMETER_STORE' | 'SECRETS_MANAGER' }[];
  readonly source?: { type: 'CODECOMMIT' | 'NO_SOURCE' | 'CODEPIPELINE'; location?: string; gitCloneDepth?: number };
  readonly timeoutInMinutes?: number;
  readonly concurrentBuildLimit?: number;
  readonly artifacts?: ProjectArtifacts;
  readonly cache?: ProjectCache;
}

export async function createProject(h: BuildHarness, buildspec: string, options: ProjectOptions = {}): Promise<string> {
  const name = `p-${randomBytes(4).toString('hex')}`;
  await h.codebuild.send(
    new CreateProjectCommand({
      name,
      source: {
        type: options.source?.type ?? 'NO_SOURCE',
        ...(options.source?.location === undefined ? {} : { location: options.source.location }),
        ...(options.source?.gitCloneDepth === undefined ? {} : { gitCloneDepth: options.source.gitCloneDepth }),
        buildspec,
      },
      artifacts: options.artifacts ?? { type: 'NO_ARTIFACTS' },
      ...(options.cache === undefined ? {} : { cache: options.cache }),
      environment: {
        type: 'LINUX_CONTAINER',
        image: options.image ?? h.image,
        computeType: 'BUILD_GENERAL1_SMALL',
        privilegedMode: options.privilegedMode ?? false,
        environmentVariables: options.environmentVariables ?? [],
      },
      serviceRole: 'arn:aws:iam::000000000000:role/codebuild',
      ...(options.timeoutInMinutes === undefined ? {} : { timeoutInMinutes: options.timeoutInMinutes }),
      ...(options.concurrentBuildLimit === undefined ? {} : { concurrentBuildLimit: options.concurrentBuildLimit }),
    }),
  );
  return name;
}

/** Resolves when the build completes (subscribe before starting it). */
export function completion(h: BuildHarness, id: () => string | undefined): Promise<void> {
  return h.t.daemon.bus.next((e) => typeFilter('codebuild.build.completed')(e) && e.detail['id'] === id()).then(() => undefined);
}

export interface FinishedBuild {
  readonly build: Build;
  /** Every log message, in order. */
  readonly log: string[];
  /** Only the commands' own output (no `[Container]` lines). */
  readonly output: string[];
}

export async function getBuild(h: BuildHarness, id: string): Promise<Build> {
  const got = await h.codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
  const build = got.builds?.[0];
  if (build === undefined) throw new Error(`build ${id} not found`);
  return build;
}

export async function readLog(h: BuildHarness, build: Build): Promise<string[]> {
  const out = await h.logs.send(new GetLogEventsCommand({ logGroupName: build.logs?.groupName, logStreamName: build.logs?.streamName, startFromHead: true }));
  return (out.events ?? []).map((e) => e.message ?? '');
}

/** Starts a build of `project` and waits for it to finish. */
export async function runBuild(h: BuildHarness, project: string, overrides: Omit<StartBuildInput, 'projectName'> = {}): Promise<FinishedBuild> {
  const ref: { id?: string | undefined } = {};
  const done = completion(h, () => ref.id);
  const started = await h.codebuild.send(new StartBuildCommand({ projectName: project, ...overrides }));
  ref.id = started.build?.id;
  const id = ref.id;
  if (id === undefined) throw new Error('StartBuild returned no id');
  await done;
  const build = await getBuild(h, id);
  const log = await readLog(h, build);
  return { build, log, output: log.filter((l) => !l.startsWith('[Container] ')) };
}

/** Phase type → status, in order. */
export function phaseStatuses(build: Build): string[] {
  return (build.phases ?? []).map((p) => `${p.phaseType ?? '?'}:${p.phaseStatus ?? '-'}`);
}
