// `slipway credentials create --user NAME`: HTTPS git credentials for CodeCommit, made through the IAM API like any client would.
import { createHash, createHmac } from 'node:crypto';
import { SlipwayError } from '../core/errors.ts';
import { callDaemon } from './client.ts';

const IAM_VERSION = '2010-05-08';
const SERVICE_NAME = 'codecommit.amazonaws.com';

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Signs an IAM Query request with SigV4, as the AWS CLI would (IAM is global: region us-east-1). */
export function signIamRequest(endpoint: string, body: string, now = new Date()): Record<string, string> {
  const host = new URL(endpoint).host;
  const accessKeyId = process.env['AWS_ACCESS_KEY_ID'] ?? 'slipway-cli';
  const secret = process.env['AWS_SECRET_ACCESS_KEY'] ?? 'slipway-cli';
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  const signedHeaders = 'content-type;host;x-amz-date';
  const canonical = ['POST', '/', '', `content-type:${contentType}`, `host:${host}`, `x-amz-date:${amzDate}`, '', signedHeaders, sha256(body)].join('\n');
  const scope = `${date}/us-east-1/iam/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), 'us-east-1'), 'iam'), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    'content-type': contentType,
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|apos|quot);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e] ?? '');
}

function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unescapeXml(m[1]);
}

interface QueryReply {
  readonly status: number;
  readonly xml: string;
}

async function iamCall(endpoint: string, action: string, params: Record<string, string>): Promise<QueryReply> {
  const body = new URLSearchParams({ Action: action, Version: IAM_VERSION, ...params }).toString();
  const res = await callDaemon(endpoint, '/', { method: 'POST', headers: signIamRequest(endpoint, body), body });
  return { status: res.status, xml: await res.text() };
}

function failed(action: string, reply: QueryReply): SlipwayError {
  return new SlipwayError(element(reply.xml, 'Code') ?? 'InternalFailure', `${action} failed: ${element(reply.xml, 'Message') ?? `HTTP ${reply.status}`}`);
}

export interface CreatedCredentials {
  readonly userName: string;
  readonly createdUser: boolean;
  readonly username: string;
  readonly password: string;
  readonly credentialId: string;
}

/** Creates the IAM user when missing, then a CodeCommit service-specific credential for it. */
export async function createGitCredentials(endpoint: string, userName: string): Promise<CreatedCredentials> {
  let createdUser = false;
  const existing = await iamCall(endpoint, 'GetUser', { UserName: userName });
  if (existing.status === 404 && element(existing.xml, 'Code') === 'NoSuchEntity') {
    const created = await iamCall(endpoint, 'CreateUser', { UserName: userName });
    if (created.status !== 200) throw failed('CreateUser', created);
    createdUser = true;
  } else if (existing.status !== 200) {
    throw failed('GetUser', existing);
  }
  const cred = await iamCall(endpoint, 'CreateServiceSpecificCredential', { UserName: userName, ServiceName: SERVICE_NAME });
  if (cred.status !== 200) throw failed('CreateServiceSpecificCredential', cred);
  return {
    userName,
    createdUser,
    username: element(cred.xml, 'ServiceUserName') ?? '',
    password: element(cred.xml, 'ServicePassword') ?? '',
    credentialId: element(cred.xml, 'ServiceSpecificCredentialId') ?? '',
  };
}

export async function credentialsCreate(endpoint: string, userName: string, json: boolean, out: (line: string) => void): Promise<number> {
  const c = await createGitCredentials(endpoint, userName);
  if (json) {
    out(JSON.stringify({ UserName: c.userName, ServiceUserName: c.username, ServicePassword: c.password, ServiceSpecificCredentialId: c.credentialId }));
    return 0;
  }
  out(`${c.createdUser ? 'Created IAM user' : 'IAM user'} ${c.userName}; HTTPS git credentials for CodeCommit:`);
  out(`  username  ${c.username}`);
  out(`  password  ${c.password}`);
  out(`  id        ${c.credentialId}`);
  out('Save the password now: it is stored only as a hash and cannot be shown again (reset it with');
  out(`aws iam reset-service-specific-credential --user-name ${c.userName} --service-specific-credential-id ${c.credentialId}).`);
  return 0;
}
