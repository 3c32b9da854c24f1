// The notifications engine: bus events → EventBridge rules → SNS topics → HTTP/S webhooks, with the SubscribeURL endpoint.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSlipwayError } from '../../core/errors.ts';
import type { Mount } from '../../core/mount.ts';
import { confirmSubscription, SNS_URL_PATH, unsubscribe } from '../../services/sns/index.ts';
import type { Engine, EngineContext } from '../types.ts';
import { DeliveryWorker } from './deliveries.ts';
import { EventRouter } from './router.ts';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

function reply(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

const NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

/**
 * GET <endpoint>/sns/?Action=ConfirmSubscription&TopicArn=…&Token=… (the SubscribeURL) and
 * ?Action=Unsubscribe&SubscriptionArn=… (the UnsubscribeURL): unsigned, as a receiver's plain GET of AWS's URLs is.
 */
function snsUrls(ctx: EngineContext): Mount {
  return {
    prefix: SNS_URL_PATH,
    async handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
      const params = new URL(req.url ?? '/', 'http://slipway').searchParams;
      const action = params.get('Action') ?? '';
      const meta = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
      try {
        if (req.method !== 'GET' && req.method !== 'POST') throw new Error(`method ${req.method ?? ''}`);
        if (action === 'ConfirmSubscription') {
          const out = confirmSubscription({ TopicArn: params.get('TopicArn') ?? '', Token: params.get('Token') ?? '' }, ctx);
          reply(res, 200, `<ConfirmSubscriptionResponse xmlns="${NS}"><ConfirmSubscriptionResult><SubscriptionArn>${escapeXml(out.SubscriptionArn ?? '')}</SubscriptionArn></ConfirmSubscriptionResult>${meta}</ConfirmSubscriptionResponse>`);
          return;
        }
        if (action === 'Unsubscribe') {
          unsubscribe({ SubscriptionArn: params.get('SubscriptionArn') ?? '' }, ctx);
          reply(res, 200, `<UnsubscribeResponse xmlns="${NS}">${meta}</UnsubscribeResponse>`);
          return;
        }
        reply(res, 400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Action: found ${escapeXml(action || '(none)')}, expected ConfirmSubscription or Unsubscribe</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
      } catch (error) {
        const code = isSlipwayError(error) ? error.code : 'InternalFailure';
        const message = isSlipwayError(error) ? error.message : 'The request processing has failed because of an unknown error.';
        const status = code === 'NotFound' ? 404 : isSlipwayError(error) ? 400 : 500;
        reply(res, status, `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`);
      }
    },
  };
}

export function startNotifications(ctx: EngineContext): Engine {
  const log = ctx.log.child({ component: 'notifications' });
  const engineCtx: EngineContext = { ...ctx, log };
  const router = new EventRouter(engineCtx);
  const worker = new DeliveryWorker(engineCtx);
  worker.start();
  router.start();
  return {
    name: 'notifications',
    mounts: [snsUrls(engineCtx)],
    health: async () => ({ status: 'Healthy', detail: `${worker.inFlight} HTTP/S deliveries in flight; SubscribeURL ${ctx.endpoint()}${SNS_URL_PATH}` }),
    async stop() {
      router.stop();
      await worker.stop();
    },
  };
}
