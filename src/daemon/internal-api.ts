// Slipway's own API under /_slipway/: status, the live event stream and shutdown. The CLI and dashboard use it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { typeFilter, type EventBus } from '../core/events.ts';
import { sendJson, sendText } from '../core/http.ts';
import type { Mount } from '../core/mount.ts';
import { streamEvents } from '../edge/sse.ts';
import type { DaemonStatus } from './status.ts';

export interface InternalApiDeps {
  readonly bus: EventBus;
  status(): Promise<DaemonStatus>;
  /** Asks the daemon to stop; the response is sent before it does. */
  /** `final`: the load balancer's data plane and the task containers end too (`slipway down --all`). */
  shutdown(reason: string, final: boolean): void;
  /** Registers a stream closer run when the edge closes. */
  onClose(fn: () => void): () => void;
}

export const INTERNAL_PREFIX = '/_slipway/';

export function internalApi(deps: InternalApiDeps): Mount {
  return {
    prefix: INTERNAL_PREFIX,
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://local');
      const route = `${req.method ?? 'GET'} ${url.pathname}`;
      switch (route) {
        case 'GET /_slipway/status':
          sendJson(res, 200, await deps.status());
          return;
        case 'GET /_slipway/events': {
          const lastEventId = req.headers['last-event-id'];
          // `since=now`: only events from this moment on (watchers that first read the current state over the API).
          const given = url.searchParams.get('since');
          const since = given === 'now' ? deps.bus.lastSeq() : Number(given ?? (typeof lastEventId === 'string' ? lastEventId : 0));
          const types = url.searchParams.getAll('type');
          const filter = types.length === 0 ? () => true : typeFilter(...types);
          const follow = url.searchParams.get('follow') !== 'false';
          const end = streamEvents(req, res, deps.bus, Number.isFinite(since) ? since : 0, filter, follow);
          const off = deps.onClose(end);
          req.on('close', off);
          return;
        }
        case 'POST /_slipway/shutdown':
          sendJson(res, 202, { status: 'Stopping' });
          res.on('finish', () => deps.shutdown('requested over the API', url.searchParams.get('all') === 'true'));
          return;
        default:
          sendText(res, 404, `No route for ${route}\n`);
      }
    },
  };
}
