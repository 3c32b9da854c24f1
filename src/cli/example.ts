// `slipway up --example`: on a running daemon, makes the base images, runs the example's setup, pushes v1 and follows it.
import { join } from 'node:path';
import type { Daemon } from '../daemon/daemon.ts';
import { ensureCodeBuildImage, ensureNodeImage } from '../runtime/base-images.ts';
import { setupExample, type SetupResult } from '../../examples/ecs-bluegreen/setup/setup.ts';
import { SEED_NAMES, type ExampleNames } from '../../examples/ecs-bluegreen/setup/names.ts';
import { ensureWorkingCopy, push, remoteHead } from './example-repo.ts';
import { createGitCredentials } from './credentials.ts';
import { followPipeline } from './follow.ts';

export const EXAMPLE_SOURCE = join(import.meta.dirname, '..', '..', 'examples', 'ecs-bluegreen');

export interface ExampleOptions {
  readonly out: (line: string) => void;
  readonly names?: ExampleNames;
  /** Minutes blue is kept after a successful deployment (the rollback window). */
  readonly terminationWaitTimeInMinutes?: number;
  /** Stops following when aborted (Ctrl-C); the daemon goes on with what it was doing. */
  readonly signal?: AbortSignal;
}

export interface ExampleResult {
  readonly setup: SetupResult;
  readonly workingCopy: string;
  readonly pushedCommit?: string;
  readonly pipelineStatus?: string;
}

/** The API credentials the example's SDK clients sign with; Slipway accepts any. */
const EXAMPLE_KEYS = { accessKeyId: 'AKIASLIPWAYEXAMPLE', secretAccessKey: 'slipway-example' };

export async function runExample(daemon: Daemon, options: ExampleOptions): Promise<ExampleResult> {
  const { out } = options;
  const names = options.names ?? SEED_NAMES;
  await daemon.whenRuntimeSettled();
  const runtime = daemon.runtime;
  out('Base images (built locally from this machine\'s Node and busybox, never pulled):');
  const node = await ensureNodeImage(runtime);
  out(`  ${node.built ? 'built' : 'ready'}  ${node.aliases.join(', ')}`);
  const build = await ensureCodeBuildImage(runtime);
  out(`  ${build.built ? 'built' : 'ready'}  ${build.aliases[0] ?? build.ref} (and the other managed CodeBuild image names)`);

  out('Setup (through the AWS SDK, as examples/ecs-bluegreen/setup/main.ts does against AWS):');
  const setup = await setupExample({
    client: { endpoint: daemon.endpoint, region: daemon.config.region, credentials: EXAMPLE_KEYS },
    names,
    ...(options.terminationWaitTimeInMinutes === undefined ? {} : { terminationWaitTimeInMinutes: options.terminationWaitTimeInMinutes }),
    onResource: (r) => out(`  ${r.action === 'created' ? 'created  ' : 'unchanged'}  ${r.kind.padEnd(28)} ${r.name}`),
  });

  const dir = join(daemon.config.dataDir, 'example', names.repository);
  const copy = await ensureWorkingCopy({
    dir,
    sourceDir: EXAMPLE_SOURCE,
    cloneUrl: setup.cloneUrlHttp,
    branch: names.branch,
    credentials: async () => createGitCredentials(daemon.endpoint, 'slipway-example'),
  });
  out(`${copy.created ? 'Made' : 'Found'} the working copy ${dir}`);
  const head = await remoteHead(dir, names.branch);
  let pushedCommit: string | undefined;
  if (head === undefined) {
    // Subscribe before pushing, so the execution's first event cannot be missed.
    const following = followPipeline(daemon.bus, { pipeline: names.pipeline, out, ...(options.signal ? { signal: options.signal } : {}) });
    pushedCommit = await push(dir, names.branch);
    out(`Pushed ${pushedCommit.slice(0, 7)} to ${names.repository} ${names.branch}: the pipeline starts on the push.`);
    const status = await following;
    return { setup, workingCopy: dir, pushedCommit, pipelineStatus: status };
  }
  out(`${names.repository} ${names.branch} is already at ${head.slice(0, 7)}: nothing to push (edit, commit and push from the working copy to deploy again).`);
  return { setup, workingCopy: dir };
}

/** What to look at once the example is up. */
export function exampleSummary(daemon: Daemon, result: ExampleResult, names: ExampleNames = SEED_NAMES): string[] {
  const host = daemon.config.host === '0.0.0.0' ? '127.0.0.1' : daemon.config.host;
  return [
    '',
    `The app:        http://${host}:${names.prodPort}/ (production listener)   http://${host}:${names.testPort}/ (test listener)`,
    `Git remote:     ${result.setup.cloneUrlHttp}   working copy: ${result.workingCopy}`,
    `                (credentials are stored in the working copy; push from there)`,
    `AWS API:        aws --endpoint-url ${daemon.endpoint} codepipeline get-pipeline-state --name ${names.pipeline}`,
    'Deploy again:   edit app/src/version.ts in the working copy, then git commit -am v2 && git push',
    'Watch:          npx slipway events --follow',
  ];
}
