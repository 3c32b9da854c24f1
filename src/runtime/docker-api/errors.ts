// Turns Docker Engine API failures (HTTP status codes from dockerode) into SlipwayErrors with stable codes.
import { SlipwayError } from '../../core/errors.ts';

/** The HTTP status of a dockerode error, or undefined for transport failures. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const code = err.statusCode;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** The engine's own explanation, without dockerode's "(HTTP code 404) …" prefix. */
export function engineMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'json' in err) {
    const json = err.json;
    if (typeof json === 'object' && json !== null && 'message' in json) {
      const m = json.message;
      if (typeof m === 'string') return m;
    }
  }
  return err instanceof Error ? err.message : String(err);
}

/** Maps HTTP statuses to stable codes for one operation, e.g. `{ 404: "ContainerNotFound" }`. */
export function toSlipwayError(err: unknown, what: string, byStatus: Readonly<Record<number, string>> = {}): SlipwayError {
  if (err instanceof SlipwayError) return err;
  const status = statusOf(err);
  const detail = engineMessage(err);
  if (status === undefined) {
    return new SlipwayError('EngineUnavailable', `${what}: the container engine did not answer (${detail})`, {
      cause: err,
      fault: 'server',
    });
  }
  const code = byStatus[status] ?? (status >= 500 ? 'EngineError' : 'EngineRequestRejected');
  return new SlipwayError(code, `${what}: engine answered HTTP ${status}: ${detail}`, {
    cause: err,
    fault: status >= 500 ? 'server' : 'client',
  });
}
