// A path prefix on the edge's port served by its own handler (OCI registry `/v2/`, git `/v1/repos/`, `/_slipway/`).
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface Mount {
  /** Path prefix, with a trailing slash; the bare prefix without the slash matches too. */
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void>;
}
