// The one registry of action providers, keyed by category/owner/provider (a test checks it against ListActionTypes).
import { SlipwayError } from '../../../core/errors.ts';
import { keyOf } from '../../../specs/pipeline/action-types.ts';
import type { EngineContext } from '../../types.ts';
import type { ActionProvider } from '../types.ts';
import { codebuildAction } from './codebuild.ts';
import { codecommitSource } from './codecommit-source.ts';
import { codedeployToEcs } from './codedeploy-ecs.ts';
import { ecrSource } from './ecr-source.ts';
import { ecsDeploy } from './ecs-deploy.ts';
import { manualApproval } from './manual-approval.ts';

export class ProviderRegistry {
  readonly #providers = new Map<string, ActionProvider>();

  constructor(providers: readonly ActionProvider[]) {
    for (const p of providers) {
      const key = keyOf(p);
      if (this.#providers.has(key)) throw new SlipwayError('DuplicateProvider', `Two action providers are registered for ${key}`, { fault: 'server' });
      this.#providers.set(key, p);
    }
  }

  get(key: string): ActionProvider | undefined {
    return this.#providers.get(key);
  }

  keys(): string[] {
    return [...this.#providers.keys()].sort();
  }
}

export interface DefaultProviderOptions {
  /** Minutes before a manual approval times out (AWS: 7 days); SLIPWAY_APPROVAL_TIMEOUT_MINUTES sets it for the daemon. */
  readonly approvalTimeoutMinutes?: number;
}

/** The providers a daemon runs, listed explicitly. */
export function defaultProviders(ctx: EngineContext, options: DefaultProviderOptions = {}): ActionProvider[] {
  const env = Number(process.env['SLIPWAY_APPROVAL_TIMEOUT_MINUTES']);
  const approvalTimeout = options.approvalTimeoutMinutes ?? (Number.isFinite(env) && env > 0 ? env : undefined);
  return [codecommitSource(ctx), ecrSource(ctx), codebuildAction(ctx, 'Build'), codebuildAction(ctx, 'Test'), ecsDeploy(ctx), codedeployToEcs(ctx), manualApproval(ctx, approvalTimeout === undefined ? {} : { timeoutMinutes: approvalTimeout })];
}
