// Closed-loop HTTP load generator (keep-alive agent, N concurrent loops) and the latency histogram it records into.
import { Agent, request } from 'node:http';

/**
 * Log-linear latency histogram in microseconds: exact 1 µs buckets below 256 µs, then 128 buckets per power
 * of two (under 0.8% relative error), so a long run costs a fixed few kilobytes instead of one slot per request.
 */
export class Histogram {
  static readonly #linear = 256;
  static readonly #perOctave = 128;
  readonly #counts = new Float64Array(Histogram.#linear + 40 * Histogram.#perOctave);
  count = 0;
  #sumUs = 0;
  #maxUs = 0;

  recordNs(ns: bigint): void {
    const us = Number(ns) / 1000;
    this.count++;
    this.#sumUs += us;
    if (us > this.#maxUs) this.#maxUs = us;
    this.#counts[Histogram.#index(us)]! += 1;
  }

  static #index(us: number): number {
    if (us < Histogram.#linear) return Math.floor(us);
    const shift = Math.floor(Math.log2(us)) - 7; // us / 2^shift falls in [128, 256)
    const sub = Math.min(255, Math.floor(us / 2 ** shift));
    return Math.min(Histogram.#linear + (shift - 1) * Histogram.#perOctave + (sub - 128), Histogram.#linear + 40 * Histogram.#perOctave - 1);
  }

  /** The bucket's midpoint, in microseconds. */
  static #value(index: number): number {
    if (index < Histogram.#linear) return index + 0.5;
    const shift = Math.floor((index - Histogram.#linear) / Histogram.#perOctave) + 1;
    const sub = ((index - Histogram.#linear) % Histogram.#perOctave) + 128;
    return (sub + 0.5) * 2 ** shift;
  }

  /** The latency (µs) at or under which a fraction `p` (0–1) of the recorded requests completed. */
  percentileUs(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(p * this.count));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(Histogram.#value(i), this.#maxUs);
    }
    return this.#maxUs;
  }

  /** Adds another histogram's counts (e.g. the same path measured in several rounds). */
  merge(other: Histogram): void {
    for (let i = 0; i < this.#counts.length; i++) this.#counts[i]! += other.#counts[i]!;
    this.count += other.count;
    this.#sumUs += other.#sumUs;
    if (other.#maxUs > this.#maxUs) this.#maxUs = other.#maxUs;
  }

  get meanUs(): number {
    return this.count === 0 ? NaN : this.#sumUs / this.count;
  }

  get maxUs(): number {
    return this.#maxUs;
  }
}

export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** The body length every answer must have; anything else counts as an error. */
  readonly expectedBytes: number;
  /** Called when the measured window opens and closes (e.g. to sample the proxy's CPU time). */
  readonly onWindow?: (edge: 'start' | 'end') => void;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  /** The first few distinct error descriptions, for the report. */
  readonly errorSamples: readonly string[];
  readonly elapsedSeconds: number;
  readonly histogram: Histogram;
}

/** One request on the agent; resolves with an error description, or undefined when it succeeded. */
function once(agent: Agent, options: LoadOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ agent, host: options.host, port: options.port, path: options.path, method: 'GET' }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) resolve(`status ${res.statusCode}`);
        else if (bytes !== options.expectedBytes) resolve(`body of ${bytes} bytes, expected ${options.expectedBytes}`);
        else resolve(undefined);
      });
      res.on('error', (err) => resolve(`response: ${err.message}`));
    });
    req.on('error', (err) => resolve(`request: ${err.message}`));
    req.end();
  });
}

/**
 * Runs `connections` loops, each sending its next request as soon as the previous answer is read (closed loop),
 * through one keep-alive agent with as many sockets. Only requests that start and finish inside the measured
 * window (after the warm-up) are counted, so the warm-up's connection set-up and JIT work are left out.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, maxFreeSockets: options.connections });
  const histogram = new Histogram();
  const samples = new Set<string>();
  let errors = 0;
  let measuring = false;
  let stopping = false;
  const loop = async (): Promise<void> => {
    while (!stopping) {
      const counted = measuring;
      const started = process.hrtime.bigint();
      const error = await once(agent, options);
      const ended = process.hrtime.bigint();
      if (!counted || !measuring) continue;
      if (error === undefined) histogram.recordNs(ended - started);
      else {
        errors++;
        if (samples.size < 5) samples.add(error);
      }
    }
  };
  const loops = Array.from({ length: options.connections }, () => loop());
  await new Promise((r) => setTimeout(r, options.warmupSeconds * 1000));
  measuring = true;
  options.onWindow?.('start');
  const windowStart = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, options.seconds * 1000));
  measuring = false;
  const elapsedSeconds = Number(process.hrtime.bigint() - windowStart) / 1e9;
  options.onWindow?.('end');
  stopping = true;
  await Promise.all(loops);
  agent.destroy();
  return { requests: histogram.count, errors, errorSamples: [...samples], elapsedSeconds, histogram };
}
