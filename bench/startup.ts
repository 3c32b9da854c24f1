// Benchmark: time from `slipway up` to every component Healthy, and the daemon's idle memory (RSS), printed as a table.
// Run: node_modules/.bin/node bench/startup.ts [runs]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const bin = join(import.meta.dirname, '..', 'bin', 'slipway.js');
const runs = Number(process.argv[2] ?? 5);

interface Sample {
  readonly listeningMs: number;
  readonly healthyMs: number;
  readonly idleRssMiB: number;
}

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? 'VmRSS: 0 kB';
  return Number(/\d+/.exec(line)?.[0] ?? 0) / 1024;
}

async function one(withRuntime: boolean): Promise<Sample> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
  const started = performance.now();
  const args = [bin, 'up', '--port', '0', ...(withRuntime ? [] : ['--no-runtime'])];
  const child = spawn(process.execPath, args, { env: { ...process.env, SLIPWAY_DATA_DIR: dataDir, SLIPWAY_LOG_LEVEL: 'warn' } });
  const exited = once(child, 'exit');
  try {
    let out = '';
    const endpoint = await new Promise<string>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /Slipway is up at (\S+) /.exec(out);
        if (m?.[1] !== undefined) resolve(m[1]);
      }),
    );
    const listeningMs = performance.now() - started;
    let healthyMs = 0;
    for (;;) {
      const status = (await (await fetch(`${endpoint}/_slipway/status`)).json()) as { components: { status: string }[] };
      if (status.components.every((c) => c.status === 'Healthy' || c.status === 'Stopped')) {
        healthyMs = performance.now() - started;
        break;
      }
      if (status.components.some((c) => c.status === 'Unhealthy')) throw new Error(`unhealthy: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Idle: let start-up work settle, then read RSS.
    await new Promise((r) => setTimeout(r, 2000));
    const idleRssMiB = rssMiB(child.pid ?? 0);
    child.kill('SIGTERM');
    await exited;
    return { listeningMs, healthyMs, idleRssMiB };
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const rows: string[] = [];
for (const withRuntime of [false, true]) {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await one(withRuntime));
  rows.push(
    `| ${withRuntime ? 'with container engine' : '--no-runtime'} | ${median(samples.map((s) => s.listeningMs)).toFixed(0)} | ${median(samples.map((s) => s.healthyMs)).toFixed(0)} | ${median(samples.map((s) => s.idleRssMiB)).toFixed(1)} |`,
  );
}
console.log(`slipway up, median of ${runs} runs on a fresh data dir`);
console.log('| mode | listening (ms) | all healthy (ms) | idle RSS (MiB) |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) console.log(r);
