// Splits Docker's multiplexed attach/log stream (8-byte frame headers) into stdout and stderr chunks.
import type { LogChunk } from '../types.ts';

/** Feeds raw bytes in; takes whole frames out. A TTY stream has no frames: everything is stdout. */
export class Demuxer {
  readonly #tty: boolean;
  #pending: Buffer = Buffer.alloc(0);

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  push(data: Buffer): LogChunk[] {
    if (this.#tty) return data.length > 0 ? [{ stream: 'stdout', data }] : [];
    this.#pending = this.#pending.length === 0 ? data : Buffer.concat([this.#pending, data]);
    const out: LogChunk[] = [];
    while (this.#pending.length >= 8) {
      const kind = this.#pending[0];
      const size = this.#pending.readUInt32BE(4);
      if (this.#pending.length < 8 + size) break;
      const payload = this.#pending.subarray(8, 8 + size);
      this.#pending = this.#pending.subarray(8 + size);
      // 0 is stdin (echoed with a TTY-less attach), 1 stdout, 2 stderr.
      if (size > 0) out.push({ stream: kind === 2 ? 'stderr' : 'stdout', data: Buffer.from(payload) });
    }
    return out;
  }
}
