// A build's log: lines in AWS's `[Container] yyyy/mm/dd hh:mm:ss.uuuuuu` form, masked, stored in CloudWatch Logs and streamed on the bus.
import { logGroupName, logStreamName, type BuildRecord } from '../../services/codebuild/build-state.ts';
import { appendLogEvents, type LogEventInput } from '../../services/logs/index.ts';
import type { EngineContext } from '../types.ts';

export const BUILD_LOG_EVENT = 'codebuild.build.log';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `2024/01/01 12:00:00.123000` in UTC, as CodeBuild's agent stamps its lines (microseconds; Slipway has ms). */
export function agentTimestamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`;
}

export class BuildLog {
  readonly #ctx: EngineContext;
  readonly #record: BuildRecord;
  readonly #group: string;
  readonly #stream: string;
  #pending: LogEventInput[] = [];
  #scheduled = false;
  /** Extra sinks (tests, the CLI in-process): every masked line as it is logged. */
  readonly listeners = new Set<(line: string) => void>();

  constructor(ctx: EngineContext, record: BuildRecord) {
    this.#ctx = ctx;
    this.#record = record;
    this.#group = logGroupName(record.projectName);
    this.#stream = logStreamName(record.id);
  }

  /** A line of the agent's own (`[Container] <time> <text>`). */
  agent(text: string): void {
    this.#add(`[Container] ${agentTimestamp(this.#ctx.clock.now())} ${text}`);
  }

  /** A line the build's commands printed. */
  output(line: string): void {
    this.#add(line);
  }

  #add(raw: string): void {
    const message = this.#ctx.masker.mask(raw);
    this.#pending.push({ timestamp: this.#ctx.clock.now(), message });
    for (const l of this.listeners) l(message);
    // Lines that arrive together (one output chunk) are stored and announced together.
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    const events = this.#pending;
    if (events.length === 0) return;
    this.#pending = [];
    const { id, arn, projectName } = this.#record;
    this.#ctx.store.tx(() => {
      if (this.#record.logsEnabled) appendLogEvents(this.#ctx, this.#group, this.#stream, events);
      this.#ctx.bus.publish({
        type: BUILD_LOG_EVENT,
        resource: arn,
        detail: { id, projectName, logGroupName: this.#group, logStreamName: this.#stream, lines: events.map((e) => e.message) },
      });
    });
  }
}
