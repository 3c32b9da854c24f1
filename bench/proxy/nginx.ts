// Debian's nginx as the reference proxy: finds the binary, writes a throwaway prefix and config, runs it in the foreground.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const NGINX_INSTALL_HINT = 'apt-get install -y nginx';

/** The nginx binary on PATH or in /usr/sbin (Debian's location, often missing from a non-root PATH). */
export function findNginx(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'nginx');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function nginxVersion(bin: string): string {
  // `nginx -v` prints to stderr.
  const out = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return `${out.stderr}${out.stdout}`.trim().replace(/^nginx version: /, '') || 'nginx (version unknown)';
}

/**
 * One worker process, so nginx gets one core's worth of event loop like the Slipway listener's single Node
 * process. Upstream keep-alive (HTTP/1.1 with the Connection header cleared) keeps a pool to the target, as the
 * Slipway listener's per-target agent does; the X-Forwarded-* headers match what the listener adds; access
 * logging is off (the listener has none); keepalive_requests is raised so neither side closes connections
 * every 1000 requests (nginx's default) while the listener never does.
 */
export function nginxConfig(prefix: string, listenPort: number, targetPort: number, connections: number): string {
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events {
  worker_connections ${Math.max(1024, connections * 4)};
}
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_timeout 60s;
  keepalive_requests 100000000;
  upstream target {
    server 127.0.0.1:${targetPort};
    keepalive ${connections * 2};
    keepalive_requests 100000000;
    keepalive_timeout 60s;
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://target;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
    }
  }
}
`;
}

export interface RunningNginx {
  readonly master: ChildProcess;
  readonly prefix: string;
  /** The worker processes' pids (children of the master), for CPU accounting. */
  readonly workers: () => number[];
  readonly stop: () => Promise<void>;
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Starts nginx in the foreground (`daemon off;`) with a temporary prefix; resolves once it has forked its worker. */
export async function startNginx(bin: string, listenPort: number, targetPort: number, connections: number): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'slipway-bench-nginx-'));
  // Workers run as `nobody` when the master is root; they only read the config, but the prefix must be reachable.
  chmodSync(prefix, 0o755);
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, nginxConfig(prefix, listenPort, targetPort, connections));
  const master = spawn(bin, ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = once(master, 'exit');
  const stop = async (): Promise<void> => {
    if (master.exitCode === null && master.signalCode === null) {
      master.kill('SIGTERM'); // nginx's fast shutdown; the master waits for its worker
      await exited;
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (master.exitCode !== null || master.signalCode !== null) {
      let log = '';
      try {
        log = readFileSync(join(prefix, 'error.log'), 'utf8');
      } catch {
        // no log written
      }
      rmSync(prefix, { recursive: true, force: true });
      throw new Error(`nginx exited with ${master.exitCode ?? master.signalCode} before serving; its error log:\n${log}`);
    }
    if (master.pid !== undefined && childrenOf(master.pid).length > 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('nginx did not start its worker within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = master.pid ?? 0;
  return { master, prefix, workers: () => childrenOf(pid), stop };
}
