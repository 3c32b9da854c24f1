// Structured logging (pino): a fixed message plus a metadata object; registered secrets are masked everywhere.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger, type DestinationStream } from 'pino';
import PinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

const MASK = '****';

/** Values that must never appear in a log line (parameter-store and secrets-manager values). */
export class SecretMasker {
  readonly #secrets = new Set<string>();

  add(value: string): void {
    // Very short values would mask ordinary words; AWS masks them too, but a 1–2 char mask makes logs unreadable.
    if (value.length >= 3) this.#secrets.add(value);
  }

  mask(text: string): string {
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  }

  get size(): number {
    return this.#secrets.size;
  }
}

export interface LogOptions {
  readonly level?: string;
  readonly masker?: SecretMasker;
  readonly destination?: DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const masker = options.masker;
  const level = options.level ?? process.env['SLIPWAY_LOG_LEVEL'] ?? 'info';
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: masker
        ? {
            streamWrite: (line: string) => masker.mask(line),
          }
        : {},
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export interface ForegroundLog {
  readonly level: string;
  readonly destination: DestinationStream;
  readonly file: string;
}

/**
 * Where `slipway up` logs: everything (debug and up, the access log included) as JSON lines in `<dataDir>/slipway.log`,
 * and the terminal a readable line per event at `terminalLevel` (info by default).
 */
export function foregroundLog(dataDir: string, terminalLevel = process.env['SLIPWAY_LOG_LEVEL'] ?? 'info'): ForegroundLog {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'slipway.log');
  const terminal = PinoPretty({ destination: 2, sync: true, colorize: process.stderr.isTTY, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,component', singleLine: true, messageFormat: '{if component}{component}: {end}{msg}' });
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
  const fileLevel = levels.indexOf(terminalLevel) < levels.indexOf('debug') ? terminalLevel : 'debug';
  const destination = pino.multistream([
    { level: fileLevel as pino.Level, stream: pino.destination({ dest: file, append: true, mkdir: true, sync: false }) },
    { level: terminalLevel as pino.Level, stream: terminal },
  ]);
  return { level: fileLevel, destination, file };
}
