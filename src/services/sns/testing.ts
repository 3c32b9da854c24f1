// A webhook receiver for tests: a real HTTP server on loopback that records SNS's POSTs and answers with chosen statuses.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { after, before } from 'node:test';
import { freePort } from '../../../test/helpers/ports.ts';

export interface ReceivedPost {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  /** Statuses to answer with, in order; once used up, 200. */
  readonly statuses: number[] = [];
  readonly #server: Server;
  #waiters: Array<{ match: (p: ReceivedPost) => boolean; resolve: (p: ReceivedPost) => void }> = [];
  port = 0;

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const post: ReceivedPost = { path: req.url ?? '/', headers: req.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
        const status = this.statuses.shift() ?? 200;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'ok' : `receiver answered ${status}`);
        this.posts.push(post);
        const ready = this.#waiters.filter((w) => w.match(post));
        this.#waiters = this.#waiters.filter((w) => !w.match(post));
        for (const w of ready) w.resolve(post);
      });
    });
  }

  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.port = port;
    return `http://127.0.0.1:${port}/hook`;
  }

  /** The first POST (already received or still to come) that matches. */
  next(match: (p: ReceivedPost) => boolean): Promise<ReceivedPost> {
    const seen = this.posts.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  /** The first POST of a message type (x-amz-sns-message-type) whose body passes `also`. */
  nextOfType(type: string, also: (body: Record<string, unknown>) => boolean = () => true): Promise<ReceivedPost> {
    return this.next((p) => p.headers['x-amz-sns-message-type'] === type && also(p.body));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * One receiver for a test file (call at its top level): listening on a free loopback port before the file's tests,
 * closed after them. `url()` is its base URL once listening.
 */
export function receiverForFile(): { readonly receiver: WebhookReceiver; url(): string } {
  const receiver = new WebhookReceiver();
  let base = '';
  before(async () => {
    base = await receiver.listen(await freePort());
  });
  after(async () => {
    await receiver.close();
  });
  return {
    receiver,
    url: () => {
      if (base === '') throw new Error('the webhook receiver is not listening yet (url() is for use inside tests)');
      return base;
    },
  };
}
