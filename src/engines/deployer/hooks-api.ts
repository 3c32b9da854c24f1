// `/_slipway/hooks`: register, list and remove the hooks appspec Hooks names resolve to (`slipway hooks` calls it).
import type { IncomingMessage } from 'node:http';
import { SlipwayError } from '../../core/errors.ts';
import { readBody, sendJson } from '../../core/http.ts';
import type { Mount } from '../../core/mount.ts';
import { deleteHook, listHooks, putHook } from '../../services/codedeploy/hooks.ts';
import type { ServiceContext } from '../../services/types.ts';

export const HOOKS_PREFIX = '/_slipway/hooks/';
const MAX_BODY = 64 * 1024;

/** The registration's JSON object; anything else is an InvalidHook naming what is expected. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req, MAX_BODY)).toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new SlipwayError('InvalidHook', 'The hook registration must be a JSON object such as {"url": "http://127.0.0.1:9000/hook"}');
}

export function hooksMount(ctx: ServiceContext): Mount {
  return {
    prefix: HOOKS_PREFIX,
    async handle(req, res) {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      try {
        let name: string;
        try {
          name = decodeURIComponent(path.slice(HOOKS_PREFIX.length));
        } catch {
          throw new SlipwayError('InvalidHook', `name: found "${path.slice(HOOKS_PREFIX.length)}", expected a URL-encoded Lambda function name`);
        }
        if (req.method === 'GET' && name === '') return sendJson(res, 200, { hooks: listHooks(ctx) });
        if (req.method === 'PUT' && name !== '') return sendJson(res, 200, putHook(ctx, { ...(await readJson(req)), name }));
        if (req.method === 'DELETE' && name !== '') {
          if (deleteHook(ctx, name)) return sendJson(res, 200, { deleted: name });
          return sendJson(res, 404, { code: 'HookNotFound', message: `No hook is registered as ${name}` });
        }
        return sendJson(res, 405, { code: 'MethodNotAllowed', message: `${req.method ?? ''} ${path}: expected GET ${HOOKS_PREFIX}, PUT or DELETE ${HOOKS_PREFIX}<name>` });
      } catch (error) {
        if (error instanceof SlipwayError) return sendJson(res, 400, { code: error.code, message: error.message });
        throw error;
      }
    },
  };
}
