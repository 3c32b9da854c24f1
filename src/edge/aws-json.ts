// The AWS JSON 1.0/1.1 protocol: `X-Amz-Target: <Prefix>.<Operation>`, JSON bodies, `{"__type","message"}` errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlipwayError } from '../core/errors.ts';
import type { ServiceDefinition } from '../services/types.ts';
import { statusFor } from './aws-errors.ts';
import { readBody } from '../core/http.ts';

export interface JsonCall {
  readonly service: ServiceDefinition;
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** Finds the service and operation for a target; unknown ones get AWS's UnknownOperationException. */
export function resolveTarget(target: string, byPrefix: ReadonlyMap<string, ServiceDefinition>): { service: ServiceDefinition; operation: string } {
  const dot = target.lastIndexOf('.');
  const prefix = dot < 0 ? '' : target.slice(0, dot);
  const operation = dot < 0 ? target : target.slice(dot + 1);
  const service = byPrefix.get(prefix);
  if (service === undefined || !Object.hasOwn(service.operations, operation)) {
    throw new SlipwayError('UnknownOperationException', `Unknown operation ${target}: Slipway implements no such target`);
  }
  return { service, operation };
}

export async function decodeJsonRequest(req: IncomingMessage, byPrefix: ReadonlyMap<string, ServiceDefinition>): Promise<JsonCall> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const { service, operation } = resolveTarget(target, byPrefix);
  const body = await readBody(req);
  let input: unknown = {};
  if (body.length > 0) {
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new SlipwayError('SerializationException', `Request body for ${target} is not valid JSON; expected a JSON object`, { cause });
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SlipwayError('SerializationException', `Request body for ${target} must be a JSON object; found ${Array.isArray(input) ? 'a list' : typeof input}`);
  }
  return { service, operation, input: input as Record<string, unknown> };
}

/** Dates become epoch seconds and bytes become base64, as the JSON protocol encodes them; undefined members drop out. */
export function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

function contentType(service: ServiceDefinition | undefined): string {
  return `application/x-amz-json-${service?.jsonVersion ?? '1.1'}`;
}

export function sendJsonResult(res: ServerResponse, service: ServiceDefinition, output: unknown, requestId: string): void {
  const text = JSON.stringify(toWire(output ?? {}));
  res.writeHead(200, { 'content-type': contentType(service), 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId });
  res.end(text);
}

export function sendJsonError(res: ServerResponse, service: ServiceDefinition | undefined, error: SlipwayError, requestId: string): number {
  const status = statusFor(error);
  const extra = Object.fromEntries(Object.entries(error.extra).filter(([k]) => k !== 'httpStatus' && k !== 'queryError'));
  const text = JSON.stringify({ __type: error.code, message: error.message, ...extra });
  // awsQueryCompatible services (CloudWatch) name the Query-protocol code and fault here, e.g. `InvalidParameterValue;Sender`.
  const queryError = error.extra['queryError'];
  res.writeHead(status, {
    'content-type': contentType(service),
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.code,
    ...(typeof queryError === 'string' ? { 'x-amzn-query-error': queryError } : {}),
  });
  res.end(text);
  return status;
}
