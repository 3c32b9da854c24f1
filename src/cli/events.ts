// `slipway events`: prints the event log, and follows it live with --follow (server-sent events).
import type { SlipwayEvent } from '../core/events.ts';
import { callDaemon } from './client.ts';

export function renderEvent(e: SlipwayEvent): string {
  const detail = Object.keys(e.detail).length > 0 ? ` ${JSON.stringify(e.detail)}` : '';
  return `${new Date(e.time).toISOString()} #${e.seq} ${e.type} ${e.resource}${detail}`;
}

/** Parses an SSE body into events as they arrive. */
export async function* readEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<SlipwayEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (data !== '') yield JSON.parse(data) as SlipwayEvent;
    }
  }
}

export async function events(
  endpoint: string,
  options: { follow: boolean; since: number; types: string[]; json: boolean },
  out: (s: string) => void,
): Promise<number> {
  const query = new URLSearchParams({ since: String(options.since), follow: String(options.follow) });
  for (const t of options.types) query.append('type', t);
  const res = await callDaemon(endpoint, `/_slipway/events?${query.toString()}`);
  if (res.body === null) return 1;
  for await (const e of readEventStream(res.body)) out(options.json ? JSON.stringify(e) : renderEvent(e));
  return 0;
}
