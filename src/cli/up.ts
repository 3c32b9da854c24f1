// `slipway up`: runs the daemon in the foreground until SIGINT/SIGTERM or `slipway down`.
import type { SlipwayConfig } from '../core/config.ts';
import { foregroundLog } from '../core/log.ts';
import { Daemon } from '../daemon/daemon.ts';

export interface UpOptions {
  readonly config: SlipwayConfig;
  readonly runtime: boolean;
  readonly out: (line: string) => void;
}

export async function up(options: UpOptions): Promise<number> {
  // Handlers go in before anything is printed: a signal sent as soon as "up" is read must not find the default
  // disposition (which would kill the process without a clean stop).
  let daemon: Daemon | undefined;
  let stopRequested: string | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      options.out(`Second ${signal}: exiting without waiting.`);
      process.exit(130);
    }
    options.out(`${signal}: stopping Slipway…`);
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
    }
    await daemon.stopped;
    options.out('Slipway stopped.');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
