// The AWS Query protocol (ELBv2 and friends): form-encoded `Action=…` requests, XML responses and errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SlipwayError } from '../core/errors.ts';
import type { ServiceDefinition } from '../services/types.ts';
import { statusFor } from './aws-errors.ts';
import { readBody } from '../core/http.ts';

/**
 * Turns flat query keys into nested input: `A.B=1` → {A:{B:'1'}}, `L.member.2.X=y` → {L:[, {X:'y'}]}.
 * Values stay strings: the operation converts numbers and booleans, since only it knows the shape.
 */
export function nestQueryParams(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const raw = key.split('.');
    const path: Array<string | number> = [];
    for (let i = 0; i < raw.length; i++) {
      const part = raw[i] ?? '';
      // `member.N` selects the N-th element (1-based) of the list held by the key before it.
      if (part === 'member' && /^\d+$/.test(raw[i + 1] ?? '')) {
        path.push(Number(raw[i + 1]) - 1);
        i++;
      } else {
        path.push(part);
      }
    }
    let node: Record<string | number, unknown> = root;
    path.forEach((token, i) => {
      if (i === path.length - 1) {
        node[token] = value;
        return;
      }
      node[token] ??= typeof path[i + 1] === 'number' ? [] : {};
      node = node[token] as Record<string | number, unknown>;
    });
  }
  return compactLists(root) as Record<string, unknown>;
}

function compactLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compactLists);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactLists(v)]));
  }
  return value;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/** Lists become `<member>` elements, dates ISO-8601, as the Query protocol's XML does. */
export function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml('member', v)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  // Maps (SNS attributes) are <entry><key/><value/></entry> lists in the Query protocol's XML.
  if (value instanceof Map) return `<${name}>${[...value].map(([k, v]) => `<entry>${toXml('key', k)}${toXml('value', v)}</entry>`).join('')}</${name}>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : '';
  return `<${name}>${escapeXml(text)}</${name}>`;
}

export interface QueryCall {
  readonly service: ServiceDefinition;
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

export async function decodeQueryRequest(
  req: IncomingMessage,
  signingName: string | undefined,
  bySigningName: ReadonlyMap<string, ServiceDefinition>,
): Promise<QueryCall> {
  const body = await readBody(req);
  const params = new URLSearchParams(body.toString('utf8'));
  const action = params.get('Action') ?? '';
  const service = signingName === undefined ? undefined : bySigningName.get(signingName);
  if (service === undefined || service.protocol !== 'query' || !Object.hasOwn(service.operations, action)) {
    throw new SlipwayError(
      'InvalidAction',
      `Unknown action ${action || '(none)'} for service ${signingName ?? '(unsigned request)'}: Slipway implements no such operation`,
    );
  }
  return { service, operation: action, input: nestQueryParams(params) };
}

export function sendQueryResult(res: ServerResponse, call: QueryCall, output: unknown, requestId: string): void {
  const ns = call.service.xmlNamespace ?? '';
  const result = toXml(`${call.operation}Result`, output ?? {});
  const text = `<${call.operation}Response xmlns="${ns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${call.operation}Response>`;
  res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId });
  res.end(text);
}

export function sendQueryError(res: ServerResponse, error: SlipwayError, requestId: string): number {
  const status = statusFor(error);
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const text = `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': requestId });
  res.end(text);
  return status;
}
