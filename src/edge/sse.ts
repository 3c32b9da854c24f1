// Server-sent events: replays persisted events after a position, then follows live ones, on one HTTP response.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus, EventFilter, SlipwayEvent } from '../core/events.ts';

function frame(event: SlipwayEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Streams events with seq > `since` matching `filter`: first the stored backlog, then live ones, without gaps or
 * duplicates (live events that arrive while the backlog is read are queued and de-duplicated by seq).
 * With `follow` false the response ends after the backlog.
 * Returns a function that ends the stream.
 */
export function streamEvents(
  req: IncomingMessage,
  res: ServerResponse,
  bus: EventBus,
  since: number,
  filter: EventFilter,
  follow = true,
): () => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': slipway events\n\n');
  let last = since;
  const send = (event: SlipwayEvent): void => {
    if (event.seq <= last) return;
    last = event.seq;
    if (filter(event)) res.write(frame(event));
  };
  const queued: SlipwayEvent[] = [];
  let replaying = true;
  const off = bus.subscribe(
    () => true,
    (event) => (replaying ? queued.push(event) : send(event)),
  );
  for (;;) {
    const page = bus.since(last, 500);
    for (const event of page) send(event);
    if (page.length < 500) break;
  }
  replaying = false;
  for (const event of queued) send(event);
  if (!follow) {
    off();
    res.end();
    return () => {};
  }
  // Comments keep idle proxies and clients from timing the stream out.
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  const end = (): void => {
    off();
    clearInterval(keepAlive);
    if (!res.writableEnded) res.end();
  };
  req.on('close', end);
  return end;
}
