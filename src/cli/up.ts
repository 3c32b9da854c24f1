// `slipway up`: runs the daemon in the foreground until SIGINT/SIGTERM or `slipway down`.
import type { SlipwayConfig } from '../core/config.ts';
import { Daemon } from '../daemon/daemon.ts';

export interface UpOptions {
  readonly config: SlipwayConfig;
  readonly runtime: boolean;
  readonly out: (line: string) => void;
}

export async function up(options: UpOptions): Promise<number> {
  const daemon = await Daemon.start({ config: options.config, runtime: options.runtime ? 'auto' : 'none' });
  options.out(`Slipway is up at ${daemon.endpoint} (data dir ${options.config.dataDir}).`);
  options.out(`AWS CLI: aws --endpoint-url ${daemon.endpoint} …   Status: slipway status   Stop: Ctrl-C or slipway down`);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      options.out(`Second ${signal}: exiting without waiting.`);
      process.exit(130);
    }
    options.out(`${signal}: stopping Slipway…`);
    void daemon.stop(`received ${signal}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await daemon.stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  options.out('Slipway stopped.');
  return 0;
}
