// `slipway up`: runs the daemon in the foreground until SIGINT/SIGTERM or `slipway down`.
import type { SlipwayConfig } from '../core/config.ts';
import { foregroundLog } from '../core/log.ts';
import { Daemon } from '../daemon/daemon.ts';

export interface UpOptions {
  readonly config: SlipwayConfig;
  readonly runtime: boolean;
  readonly out: (line: string) => void;
  /** Runs once the daemon is up (the example); its failure is reported and the daemon keeps running. */
  readonly afterStart?: (daemon: Daemon, signal: AbortSignal) => Promise<void>;
}

export async function up(options: UpOptions): Promise<number> {
  // Handlers go in before anything is printed: a signal sent as soon as "up" is read must not find the default
  // disposition (which would kill the process without a clean stop).
  let daemon: Daemon | undefined;
  let stopRequested: string | undefined;
  let signals = 0;
  const following = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      options.out(`Second ${signal}: exiting without waiting.`);
      process.exit(130);
    }
    options.out(`${signal}: stopping Slipway…`);
    following.abort(new Error(`received ${signal}`));
    stopRequested = `received ${signal}`;
    if (daemon !== undefined) void daemon.stop(stopRequested);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const log = foregroundLog(options.config.dataDir);
    daemon = await Daemon.start({ config: options.config, runtime: options.runtime ? 'auto' : 'none', logTo: log });
    if (stopRequested !== undefined) void daemon.stop(stopRequested);
    else {
      options.out(`Slipway is up at ${daemon.endpoint} (data dir ${options.config.dataDir}).`);
      options.out(`AWS CLI: aws --endpoint-url ${daemon.endpoint} …   Status: slipway status   Stop: Ctrl-C or slipway down`);
      options.out(`Full log (JSON lines, access log included): ${log.file}`);
      if (options.afterStart !== undefined) {
        const started = daemon;
        options.afterStart(started, following.signal).catch((error: unknown) => {
          if (following.signal.aborted) return;
          options.out(`The example stopped: ${error instanceof Error ? error.message : String(error)}`);
          options.out(`Slipway keeps running at ${started.endpoint}; fix the cause and run the same command again to resume.`);
        });
      }
    }
    await daemon.stopped;
    options.out('Slipway stopped.');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
