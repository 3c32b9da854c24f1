// Approval/AWS/Manual: holds the stage until PutApprovalResult (approved, rejected) or the action's timeout (7 days by default).
import { findActionRun, APPROVAL_RESULT } from '../../../services/codepipeline/state.ts';
import { notifyApprovers } from '../../notifications/approval.ts';
import type { EngineContext } from '../../types.ts';
import { ActionFailure, type ActionProvider } from '../types.ts';

export interface ManualApprovalOptions {
  /** Overrides AWS's 7 days for every approval; an action's own timeoutInMinutes still wins. */
  readonly timeoutMinutes?: number;
}

export function manualApproval(ctx: EngineContext, options: ManualApprovalOptions = {}): ActionProvider {
  return {
    category: 'Approval',
    owner: 'AWS',
    provider: 'Manual',
    // The result is recorded on the action run by PutApprovalResult, so a restarted Slipway just waits again.
    resumable: true,
    ...(options.timeoutMinutes === undefined ? {} : { timeoutMinutes: options.timeoutMinutes }),
    async run(job) {
      const link = job.configuration['ExternalEntityLink'];
      const custom = job.configuration['CustomData'];
      if (job.resumeState === undefined) {
        job.persist({ token: job.token ?? '' });
        job.progress({ summary: ['Waiting for approval', custom, link].filter((s) => s !== undefined && s !== '').join(': ') });
      }
      // Marked only once the notification is queued: a crash before that notifies again on resume (at least once).
      if (job.resumeState?.['notified'] !== true) {
        if (job.configuration['NotificationArn'] !== undefined) notifyApprovers(ctx, job);
        job.persist({ token: job.token ?? '', notified: true });
      }
      // Listen before reading the row, so a result recorded in between is not missed.
      const listening = new AbortController();
      const onAbort = (): void => listening.abort(job.signal.reason);
      job.signal.addEventListener('abort', onAbort, { once: true });
      const next = ctx.bus.next((e) => e.type === APPROVAL_RESULT && e.detail['action-execution-id'] === job.actionExecutionId, listening.signal);
      next.catch(() => {});
      try {
        let result = findActionRun(ctx, job.actionExecutionId)?.approval;
        if (result === undefined) {
          const event = await next;
          result = { status: String(event.detail['status']), summary: String(event.detail['summary']), at: event.time, by: '' };
        }
        if (result.status !== 'Approved') throw new ActionFailure(`Rejected${result.summary === '' ? '' : `: ${result.summary}`}`, 'JobFailed');
        return { summary: result.summary === '' ? 'Approved' : result.summary };
      } finally {
        job.signal.removeEventListener('abort', onAbort);
        listening.abort();
      }
    },
  };
}
