// Benchmark: req/s and added p50/p99 latency through a Slipway ALB listener vs a direct connection vs nginx, as ratios.
// Run: node_modules/.bin/node bench/proxy/proxy.ts [--seconds 10] [--connections 32] [--body-kb 1] [--warmup 2] [--rounds 1]
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, forkWithPort } from './children.ts';
import { Histogram, runLoad } from './load.ts';
import { NGINX_INSTALL_HINT, findNginx, nginxVersion, startNginx } from './nginx.ts';
import { freePort } from '../../test/helpers/ports.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name}: found ${JSON.stringify(process.argv[i + 1])}, expected a positive number`);
    console.error('usage: node_modules/.bin/node bench/proxy/proxy.ts [--seconds 10] [--connections 32] [--body-kb 1] [--warmup 2] [--rounds 1]');
    process.exit(2);
  }
  return value;
}

const here = import.meta.dirname;
const seconds = arg('seconds', 10);
const connections = Math.round(arg('connections', 32));
const bodyBytes = Math.round(arg('body-kb', 1) * 1024);
const warmupSeconds = arg('warmup', 2);
const rounds = Math.round(arg('rounds', 1));

/** One path under test, and what it accumulated over every round. */
interface Path {
  readonly name: string;
  readonly port: number;
  /** The proxy's process(es) for CPU accounting; undefined for the direct path. */
  readonly proxyPids?: () => number[];
  readonly histogram: Histogram;
  requests: number;
  errors: number;
  readonly errorSamples: Set<string>;
  elapsedSeconds: number;
  proxyCpuSeconds: number;
  targetCpuSeconds: number;
  generatorCpuSeconds: number;
}

function newPath(name: string, port: number, proxyPids?: () => number[]): Path {
  return {
    name,
    port,
    ...(proxyPids ? { proxyPids } : {}),
    histogram: new Histogram(),
    requests: 0,
    errors: 0,
    errorSamples: new Set(),
    elapsedSeconds: 0,
    proxyCpuSeconds: 0,
    targetCpuSeconds: 0,
    generatorCpuSeconds: 0,
  };
}

/** Loads one path once, sampling the CPU time of generator, proxy and target over exactly the measured window. */
async function measure(path: Path, targetPid: number): Promise<void> {
  process.stdout.write(`  ${path.name}: ${warmupSeconds} s warm-up, ${seconds} s measured ... `);
  const sample = (): [number, number, number] => {
    const own = process.cpuUsage();
    return [path.proxyPids ? cpuSeconds(path.proxyPids()) : 0, cpuSeconds([targetPid]), (own.user + own.system) / 1e6];
  };
  let at: [number, number, number] = [0, 0, 0];
  const result = await runLoad({
    host: '127.0.0.1',
    port: path.port,
    path: '/bench',
    connections,
    warmupSeconds,
    seconds,
    expectedBytes: bodyBytes,
    onWindow: (edge) => {
      const now = sample();
      if (edge === 'start') at = now;
      else {
        path.proxyCpuSeconds += now[0] - at[0];
        path.targetCpuSeconds += now[1] - at[1];
        path.generatorCpuSeconds += now[2] - at[2];
      }
    },
  });
  path.histogram.merge(result.histogram);
  path.requests += result.requests;
  path.errors += result.errors;
  path.elapsedSeconds += result.elapsedSeconds;
  for (const e of result.errorSamples) path.errorSamples.add(e);
  console.log(`${Math.round(result.requests / result.elapsedSeconds)} req/s${result.errors > 0 ? `, ${result.errors} errors` : ''}`);
  for (const e of result.errorSamples) console.log(`    error: ${e}`);
}

const ms = (us: number): string => (us / 1000).toFixed(2);
const signedMs = (us: number): string => `${us >= 0 ? '+' : ''}${ms(us)}`;
const pct = (f: number): string => `${Math.round(f * 100)}%`;

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function report(paths: readonly Path[], nginxLabel: string | undefined, loadBefore: number): void {
  const rps = (p: Path): number => p.requests / p.elapsedSeconds;
  const q = (p: Path, f: number): number => p.histogram.percentileUs(f);
  const perRequestUs = (cpu: number, p: Path): string => (p.requests === 0 ? '-' : ((cpu * 1e6) / p.requests).toFixed(0));
  console.log(
    `\n${connections} connection${connections === 1 ? '' : 's'}, ${bodyBytes}-byte body, ${rounds} × ${seconds} s measured per path` +
      `${nginxLabel ? `; ${nginxLabel}` : ''}; CPU as share of one core over the measured time`,
  );
  // Other work on the machine skews every row (and favours paths with more processes): say how busy it was.
  const cores = availableParallelism();
  const loadAfter = loadavg()[0] ?? 0;
  const busy = Math.max(loadBefore, loadAfter) > cores ? ' (busy: more runnable work than cores, figures are noisy)' : '';
  console.log(`machine: ${cores} cores, 1-minute load average ${loadBefore.toFixed(1)} before and ${loadAfter.toFixed(1)} after${busy}\n`);
  console.log(
    table(
      ['path', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'proxy CPU', 'proxy µs/req', 'target CPU', 'generator CPU'],
      paths.map((p) => [
        p.name,
        rps(p).toFixed(0),
        ms(q(p, 0.5)),
        ms(q(p, 0.99)),
        ms(p.histogram.maxUs),
        String(p.errors),
        p.proxyPids ? pct(p.proxyCpuSeconds / p.elapsedSeconds) : '-',
        p.proxyPids ? perRequestUs(p.proxyCpuSeconds, p) : '-',
        pct(p.targetCpuSeconds / p.elapsedSeconds),
        pct(p.generatorCpuSeconds / p.elapsedSeconds),
      ]),
    ),
  );
  const [direct, slipway, nginx] = [paths.find((p) => p.name === 'direct'), paths.find((p) => p.name === 'slipway'), paths.find((p) => p.name === 'nginx')];
  if (!direct || !slipway) return;
  const added = (p: Path, f: number): number => q(p, f) - q(direct, f);
  console.log('\nagainst direct\n');
  console.log(
    table(
      ['path', 'throughput ratio', 'added p50 ms', 'added p99 ms'],
      paths.filter((p) => p !== direct).map((p) => [p.name, (rps(p) / rps(direct)).toFixed(2), signedMs(added(p, 0.5)), signedMs(added(p, 0.99))]),
    ),
  );
  if (!nginx) {
    console.log(`\nnginx row skipped: nginx is not installed (install it with: ${NGINX_INSTALL_HINT})`);
    return;
  }
  // A ratio of added latencies means something only when both proxies added some (noise can make one negative).
  const ratio = (f: number): string => (added(slipway, f) > 0 && added(nginx, f) > 0 ? (added(slipway, f) / added(nginx, f)).toFixed(2) : 'n/a');
  console.log('\nslipway against nginx\n');
  console.log(
    table(
      ['throughput ratio', 'added p50 ratio', 'added p99 ratio', 'proxy CPU per request ratio'],
      [[(rps(slipway) / rps(nginx)).toFixed(2), ratio(0.5), ratio(0.99), (slipway.proxyCpuSeconds / slipway.requests / (nginx.proxyCpuSeconds / nginx.requests)).toFixed(2)]],
    ),
  );
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  const onSignal = (): void => {
    void Promise.allSettled(cleanups.map((c) => c())).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const paths: Path[] = [];
  const loadBefore = loadavg()[0] ?? 0;
  let nginxLabel: string | undefined;
  try {
    // Every process is started first and stays up; only the path being measured carries load.
    const target = await forkWithPort(join(here, 'target.ts'), [String(bodyBytes)], 'the target');
    cleanups.unshift(target.stop);
    const targetPid = target.child.pid ?? 0;
    console.log(`target: pid ${targetPid} on 127.0.0.1:${target.port}`);
    paths.push(newPath('direct', target.port));

    const listener = await forkWithPort(join(here, 'slipway-listener.ts'), [String(target.port)], 'the Slipway listener');
    cleanups.unshift(listener.stop);
    const listenerPid = listener.child.pid ?? 0;
    console.log(`slipway listener: pid ${listenerPid} on 127.0.0.1:${listener.port}`);
    paths.push(newPath('slipway', listener.port, () => [listenerPid]));

    const bin = findNginx();
    if (bin === undefined) {
      console.log(`nginx: not found on PATH or in /usr/sbin, its row is skipped (install it with: ${NGINX_INSTALL_HINT})`);
    } else {
      nginxLabel = `${nginxVersion(bin)}, worker_processes 1`;
      const port = await freePort();
      const nginx = await startNginx(bin, port, target.port, connections);
      cleanups.unshift(nginx.stop);
      console.log(`nginx: master pid ${nginx.master.pid}, worker pid ${nginx.workers().join(', ')} on 127.0.0.1:${port} (${nginxLabel})`);
      paths.push(newPath('nginx', port, nginx.workers));
    }

    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) console.log(`round ${round} of ${rounds}`);
      for (const path of paths) await measure(path, targetPid);
    }
  } finally {
    for (const c of cleanups) await c();
  }
  report(paths, nginxLabel, loadBefore);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`\nbench harness failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
