// What a service is: its wire identity (protocol, target prefix, signing name), migrations and operation handlers.
import type { Clock } from '../core/clock.ts';
import type { SlipwayConfig } from '../core/config.ts';
import type { EventBus } from '../core/events.ts';
import type { Logger, SecretMasker } from '../core/log.ts';
import type { Migration, Store } from '../store/db.ts';

/** What every operation can reach: state, events, configuration and time — never an engine. */
export interface ServiceContext {
  readonly config: SlipwayConfig;
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly masker: SecretMasker;
}

export interface RequestInfo {
  readonly requestId: string;
  /** From the SigV4 Authorization header, when the client signed the request. */
  readonly accessKeyId?: string;
}

export interface OperationContext extends ServiceContext {
  readonly request: RequestInfo;
}

/** Takes the decoded input and returns the output object; throws SlipwayError for AWS errors. */
export type OperationHandler = (input: Record<string, unknown>, ctx: OperationContext) => unknown;

export interface ServiceDefinition {
  /** Slipway's name for the service, also its folder under src/services. */
  readonly name: string;
  /** The model file stem in shared/aws-models, e.g. `ssm.2014-11-06`; tests check operations against it. */
  readonly model: string;
  readonly protocol: 'json' | 'query';
  /** JSON protocols: the `X-Amz-Target` prefix before the dot, e.g. `AmazonSSM`. */
  readonly targetPrefix?: string;
  /** JSON protocols: 1.0 or 1.1, for the response content type. */
  readonly jsonVersion?: '1.0' | '1.1';
  /** The SigV4 signing name (credential scope service), e.g. `ssm`, `elasticloadbalancing`. */
  readonly signingName: string;
  /** Query protocol: the XML namespace of responses. */
  readonly xmlNamespace?: string;
  readonly migrations?: readonly Migration[];
  readonly operations: Readonly<Record<string, OperationHandler>>;
}

/** Lets a handler declare its input type (from the AWS SDK's own type definitions) while the registry stays uniform. */
export function op<I, O>(handler: (input: I, ctx: OperationContext) => O | Promise<O>): OperationHandler {
  return handler as unknown as OperationHandler;
}
