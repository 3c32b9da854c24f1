// Small HTTP helpers for every server in Slipway (the edge's protocols, its own API, engine mounts): bounded body reading and JSON/plain replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlipwayError } from './errors.ts';

/** AWS API bodies are small; anything bigger is refused rather than buffered. */
export const MAX_API_BODY_BYTES = 32 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_API_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new SlipwayError('RequestEntityTooLarge', `Request body is over ${limit} bytes; expected at most ${limit}`, {
        extra: { httpStatus: 413 },
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
