// The slipway command line: parses flags (commander) and calls the daemon's API; `up` runs the daemon itself.
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_HOST, DEFAULT_PORT, defaultDataDir, makeConfig } from '../core/config.ts';
import { isSlipwayError } from '../core/errors.ts';
import { VERSION } from '../daemon/daemon.ts';
import { resolveEndpoint } from './client.ts';
import { credentialsCreate } from './credentials.ts';
import { events } from './events.ts';
import { down, status } from './status.ts';
import { up, type UpOptions } from './up.ts';
import { deployContinue, deployStop, deployWatch } from './deploy.ts';
import { logsBuild, logsGroup, logsService } from './logs.ts';
import { build, collectEnv } from './build.ts';
import { pipelineList, pipelineWatch } from './pipeline.ts';
import { hooksDelete, hooksList, hooksPut } from './hooks.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`found ${value}, expected a port number from 0 to 65535`);
  return n;
}

function minuteMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 60_000) throw new InvalidArgumentError(`found ${value}, expected a whole number of milliseconds from 1 to 60000`);
  return n;
}

/** Loaded only for --example: it pulls in the example's setup program and the AWS SDK clients it uses. */
async function exampleStep(out: (line: string) => void): Promise<NonNullable<UpOptions['afterStart']>> {
  const { runExample, exampleSummary } = await import('./example.ts');
  return async (daemon, signal) => {
    const result = await runExample(daemon, { out, signal });
    if (result.pipelineStatus !== undefined) out(`Pipeline execution ${result.pipelineStatus}.`);
    for (const line of exampleSummary(daemon, result)) out(line);
  };
}

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export function program(io: Io, setCode: (code: number) => void): Command {
  const cli = new Command('slipway')
    .description('AWS container delivery (CodeCommit, CodeBuild, ECR, CodePipeline, CodeDeploy, ECS, ELBv2) on one machine.')
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride();

  const client = (cmd: Command): Command =>
    cmd
      .option('--data-dir <dir>', 'data dir whose daemon to talk to (default $SLIPWAY_DATA_DIR or ~/.slipway)')
      .option('--endpoint <url>', 'talk to the daemon at this URL instead of the data dir\'s');

  cli
    .command('up')
    .description('run Slipway in the foreground: API, registry, git server and engines on one port')
    .option('--data-dir <dir>', 'where state, blobs and repositories live (default $SLIPWAY_DATA_DIR or ~/.slipway)')
    .option('--port <n>', `port of the edge (default $SLIPWAY_PORT or ${DEFAULT_PORT})`, port)
    .option('--host <addr>', `address to bind (default $SLIPWAY_HOST or ${DEFAULT_HOST})`)
    .option('--no-runtime', 'run without a container engine (API only)')
    .option('--deployment-minute <ms>', 'length of a CodeDeploy minute (canary/linear intervals, ready and termination waits) in ms, 1-60000 (default $SLIPWAY_DEPLOYMENT_MINUTE_MS or 60000, as AWS)', minuteMs)
    .option('--example', 'also set up the seed system (examples/ecs-bluegreen), push its first version and follow it to production')
    .action(async (opts: { dataDir?: string; port?: number; host?: string; runtime: boolean; example?: boolean; deploymentMinute?: number }) => {
      const config = makeConfig({
        ...(opts.deploymentMinute === undefined ? {} : { deploymentMinuteMs: opts.deploymentMinute }),
        ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.host === undefined ? {} : { host: opts.host }),
      });
      const afterStart = opts.example === true ? await exampleStep(io.out) : undefined;
      setCode(await up({ config, runtime: opts.runtime, out: io.out, ...(afterStart === undefined ? {} : { afterStart }) }));
    });

  client(cli.command('status').description("print each component's health, read over the API"))
    .option('--json', 'print the status as JSON')
    .action(async (opts: { dataDir?: string; endpoint?: string; json?: boolean }) => {
      setCode(await status(resolveEndpoint(opts), opts.json === true, io.out));
    });

  client(cli.command('down').description("stop the running daemon (its load balancer's listeners and task containers keep running)"))
    .option('--all', "also end the load balancer's data plane and remove the task containers (works when the daemon is already stopped)")
    .action(async (opts: { dataDir?: string; endpoint?: string; all?: boolean }) => {
      setCode(await down(resolveEndpoint(opts), io.out, { all: opts.all === true, dataDir: resolve(opts.dataDir ?? defaultDataDir()) }));
    });

  client(cli.command('events').description('print the event log; --follow streams new events live'))
    .option('-f, --follow', 'keep streaming new events')
    .option('--since <seq>', 'only events after this position', '0')
    .option('--type <pattern...>', 'only these types (a trailing * matches a prefix, e.g. codecommit.*)')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { dataDir?: string; endpoint?: string; follow?: boolean; since: string; type?: string[]; json?: boolean }) => {
      setCode(
        await events(resolveEndpoint(opts), { follow: opts.follow === true, since: Number(opts.since), types: opts.type ?? [], json: opts.json === true }, io.out),
      );
    });

  const credentials = cli.command('credentials').description('HTTPS git credentials for CodeCommit repositories (IAM service-specific credentials)');
  client(credentials.command('create').description('create the IAM user if needed and a git username/password for it'))
    .requiredOption('--user <name>', 'IAM user name')
    .option('--json', 'print the credential as JSON')
    .action(async (opts: { dataDir?: string; endpoint?: string; user: string; json?: boolean }) => {
      setCode(await credentialsCreate(resolveEndpoint(opts), opts.user, opts.json === true, io.out));
    });

  const pipeline = cli.command('pipeline').description('CodePipeline pipelines: list them, watch one live');
  client(pipeline.command('list').description('each pipeline with its type, mode and latest execution')).action(async (opts: { dataDir?: string; endpoint?: string }) => {
    setCode(await pipelineList(resolveEndpoint(opts), io.out));
  });
  client(pipeline.command('watch').description('the stages and actions now, then every change, build log line and deployment step live').argument('<name>', 'pipeline name')).action(
    async (name: string, opts: { dataDir?: string; endpoint?: string }) => {
      setCode(await pipelineWatch(resolveEndpoint(opts), name, io.out, interrupt()));
    },
  );

  const deploy = cli.command('deploy').description('CodeDeploy deployments: watch one, continue, stop or roll it back');
  client(deploy.command('watch').description('lifecycle events and traffic split, live until the deployment ends (exit 0 when it succeeds)').argument('<id>', 'deployment id (d-…)')).action(
    async (id: string, opts: { dataDir?: string; endpoint?: string }) => {
      setCode(await deployWatch(resolveEndpoint(opts), id, io.out, interrupt()));
    },
  );
  client(deploy.command('continue').description('ContinueDeployment: end the ready wait (default) or the termination wait').argument('<id>', 'deployment id'))
    .option('--wait-type <type>', 'READY_WAIT or TERMINATION_WAIT', 'READY_WAIT')
    .action(async (id: string, opts: { dataDir?: string; endpoint?: string; waitType: string }) => {
      setCode(await deployContinue(resolveEndpoint(opts), id, opts.waitType, io.out));
    });
  client(deploy.command('stop').description('StopDeployment without rollback').argument('<id>', 'deployment id')).action(async (id: string, opts: { dataDir?: string; endpoint?: string }) => {
    setCode(await deployStop(resolveEndpoint(opts), id, false, io.out));
  });
  client(deploy.command('rollback').description('StopDeployment with autoRollbackEnabled: production traffic back to the original task set').argument('<id>', 'deployment id')).action(
    async (id: string, opts: { dataDir?: string; endpoint?: string }) => {
      setCode(await deployStop(resolveEndpoint(opts), id, true, io.out));
    },
  );

  const hooks = cli.command('hooks').description("what an appspec's Hooks names resolve to: an HTTP endpoint, a command or a container (Lambda functions on AWS)");
  client(hooks.command('put').description('register (or replace) a hook under a Lambda function name').argument('<name>', 'the function name the appspec uses'))
    .option('--url <url>', 'POST {DeploymentId, LifecycleEventHookExecutionId}; a JSON answer {"status": "Succeeded"|"Failed"} is the verdict')
    .option('--command <shell>', 'run with sh -c; DeploymentId and LifecycleEventHookExecutionId in its environment; exit 0 = Succeeded')
    .option('--image <image>', 'run a container of this image (host network), same environment and exit rule')
    .option('--timeout <seconds>', 'how long to wait for the verdict (default 3600, as AWS)', (v) => Number(v))
    .action(async (name: string, opts: { dataDir?: string; endpoint?: string; url?: string; command?: string; image?: string; timeout?: number }) => {
      setCode(await hooksPut(resolveEndpoint(opts), name, opts, io.out));
    });
  client(hooks.command('list').description('the registered hooks')).action(async (opts: { dataDir?: string; endpoint?: string }) => {
    setCode(await hooksList(resolveEndpoint(opts), io.out));
  });
  client(hooks.command('delete').description('remove a registered hook').argument('<name>', 'function name')).action(async (name: string, opts: { dataDir?: string; endpoint?: string }) => {
    setCode(await hooksDelete(resolveEndpoint(opts), name, io.out));
  });

  const logs = cli.command('logs').description('logs as CloudWatch Logs serves them: a build, a service, or a log group');
  client(logs.command('build').description("a build's log (/aws/codebuild/<project>)").argument('<id>', 'build id (project:uuid)'))
    .option('-f, --follow', 'keep printing until the build ends')
    .action(async (id: string, opts: { dataDir?: string; endpoint?: string; follow?: boolean }) => {
      setCode(await logsBuild(resolveEndpoint(opts), id, opts.follow === true, io.out, interrupt()));
    });
  client(logs.command('service').description("an ECS service's container logs (awslogs driver)").argument('<cluster>', 'cluster name').argument('<service>', 'service name')).action(
    async (cluster: string, service: string, opts: { dataDir?: string; endpoint?: string }) => {
      setCode(await logsService(resolveEndpoint(opts), cluster, service, io.out));
    },
  );
  client(logs.command('group').description('every event of a log group').argument('<name>', 'log group name'))
    .option('--stream-prefix <prefix>', 'only streams whose name starts with this')
    .action(async (name: string, opts: { dataDir?: string; endpoint?: string; streamPrefix?: string }) => {
      setCode(await logsGroup(resolveEndpoint(opts), name, opts.streamPrefix, io.out));
    });

  cli
    .command('build')
    .description("run one CodeBuild build of a local directory, like AWS's local agent: no daemon needed (exit 0 when it SUCCEEDED)")
    .argument('[source-dir]', 'the source directory (default: the current directory)', '.')
    .option('-b, --buildspec <file>', 'buildspec file, relative to the current directory (default: buildspec.yml in the source directory)')
    .option('-i, --image <image>', 'build image (default: aws/codebuild/amazonlinux-x86_64-standard:5.0, built locally)')
    .option('-e, --env <NAME=VALUE>', 'environment variable override (repeatable)', collectEnv, [])
    .option('--env-file <file>', 'NAME=VALUE lines (# comments) as environment variable overrides')
    .option('-a, --artifacts <dir>', "extract the primary artifact's files here and each secondary artifact into <dir>/<artifactIdentifier>")
    .option('--host', 'run the commands on this machine, not in a container (host mode: not isolated)')
    .option('--json', 'print the finished build as BatchGetBuilds returns it (the log goes to stderr)')
    .action(async (sourceDir: string, opts: { buildspec?: string; image?: string; env: string[]; envFile?: string; artifacts?: string; host?: boolean; json?: boolean }) => {
      const { artifacts, host, json, ...rest } = opts;
      setCode(await build({ ...rest, sourceDir, host: host === true, json: json === true, ...(artifacts === undefined ? {} : { artifactsDir: artifacts }) }, io));
    });

  return cli;
}

/** Aborts on Ctrl-C, so watching commands end quietly with status 0. */
function interrupt(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort(new Error('interrupted')));
  return controller.signal;
}

export async function main(argv: string[], io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }): Promise<number> {
  let code = 0;
  const cli = program(io, (c) => (code = c));
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error && typeof error.exitCode === 'number' && 'code' in error && String(error.code).startsWith('commander.')) {
      return error.exitCode;
    }
    if (isSlipwayError(error)) {
      io.err(`slipway: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
