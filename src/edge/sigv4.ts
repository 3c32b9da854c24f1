// Reads a SigV4 Authorization header: which key signed, for which region and service (signatures not yet verified).

export interface SigV4Scope {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;

export function parseAuthorization(header: string | undefined): SigV4Scope | undefined {
  if (header === undefined || !header.startsWith('AWS4-HMAC-SHA256')) return undefined;
  const m = CREDENTIAL.exec(header);
  if (m === null) return undefined;
  const [, accessKeyId = '', date = '', region = '', service = ''] = m;
  return { accessKeyId, date, region, service };
}
