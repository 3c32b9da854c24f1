// Runs git's own `git http-backend` as a CGI for one request, streaming the request body in and the response out.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitEnv } from '../../services/codecommit/git.ts';

export interface CgiRequest {
  /** The directory holding `<name>.git` repositories. */
  readonly projectRoot: string;
  /** `/<name>.git/info/refs` and the like. */
  readonly pathInfo: string;
  readonly query: string;
  readonly remoteUser: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_END_LF = Buffer.from('\n\n');
/** CGI headers are a few hundred bytes; anything larger without a blank line is a broken backend. */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * Resolves with the backend's exit code once the response has been fully written. `beforeEnd` runs after the
 * backend exits and before the response ends, so a client whose push returned finds its effects recorded.
 */
export function runHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  cgi: CgiRequest,
  beforeEnd: (exitCode: number) => Promise<void> = async () => {},
): Promise<number> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: cgi.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: cgi.pathInfo,
    QUERY_STRING: cgi.query,
    REQUEST_METHOD: req.method ?? 'GET',
    REMOTE_USER: cgi.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
  };
  // http-backend inflates gzip request bodies itself when told the encoding; the length is left unset so it reads to EOF.
  const encoding = req.headers['content-encoding'];
  if (typeof encoding === 'string') env['HTTP_CONTENT_ENCODING'] = encoding;
  const protocol = req.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;

  const child = spawn('git', ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
  return new Promise((resolve) => {
    let stderr = '';
    let headerBuf: Buffer | undefined = Buffer.alloc(0);
    let settled = false;
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      resolve(code);
    };

    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    // The request body streams straight into the backend: packs are never held in memory.
    req.pipe(child.stdin);
    child.stdin.on('error', () => {
      // The backend may exit before reading everything (e.g. on a rejected push); its answer still goes out.
    });
    req.on('aborted', () => child.kill('SIGTERM'));
    res.on('close', () => {
      if (!res.writableFinished) child.kill('SIGTERM');
    });

    child.stdout.on('data', (chunk: Buffer) => {
      if (headerBuf === undefined) {
        if (!res.write(chunk)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
        return;
      }
      headerBuf = Buffer.concat([headerBuf, chunk]);
      let end = headerBuf.indexOf(HEADER_END);
      let sepLength = HEADER_END.length;
      const lf = headerBuf.indexOf(HEADER_END_LF);
      if (lf >= 0 && (end < 0 || lf < end)) {
        end = lf;
        sepLength = HEADER_END_LF.length;
      }
      if (end < 0) {
        if (headerBuf.length > MAX_HEADER_BYTES) child.kill('SIGTERM');
        return;
      }
      const head = headerBuf.subarray(0, end).toString('latin1');
      const rest = headerBuf.subarray(end + sepLength);
      headerBuf = undefined;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      if (rest.length > 0) res.write(rest);
    });

    child.on('error', (error) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`git http-backend could not start: ${error.message}\n`);
      } else {
        res.destroy();
      }
      finish(-1);
    });

    child.on('close', (code) => {
      const exitCode = code ?? -1;
      const end = (): void => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end(`git http-backend failed (exit ${exitCode}): ${stderr.trim()}\n`);
        } else {
          res.end();
        }
        if (res.writableFinished || res.destroyed) finish(exitCode);
        else res.once('finish', () => finish(exitCode)).once('close', () => finish(exitCode));
      };
      beforeEnd(exitCode).then(end, (error: unknown) => {
        // The ref update happened in git; failing to record it must not look like success to the client.
        stderr += error instanceof Error ? error.message : String(error);
        res.destroy();
        finish(exitCode);
      });
    });
  });
}
