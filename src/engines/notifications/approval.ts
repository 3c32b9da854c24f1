// The manual approval's SNS notification: AWS's approval JSON published to the action's NotificationArn topic.
import { isSlipwayError } from '../../core/errors.ts';
import { findActionRun } from '../../services/codepipeline/state.ts';
import { publishToTopic } from '../../services/sns/index.ts';
import { ActionFailure, type ActionJob } from '../pipelines/types.ts';
import type { EngineContext } from '../types.ts';

/** AWS writes `expires` to the minute: 2016-07-07T20:22Z. */
function toMinute(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
}

/** The message body AWS publishes when an approval starts waiting (docs: "JSON data format for manual approval notifications"). */
export function approvalMessage(ctx: Pick<EngineContext, 'config' | 'store'>, job: ActionJob): Record<string, unknown> {
  const region = ctx.config.region;
  const console = `https://console.aws.amazon.com/codepipeline/home?region=${region}#/view/${job.pipelineName}`;
  const deadline = findActionRun(ctx, job.actionExecutionId)?.deadline ?? job.clock.now() + 7 * 24 * 60 * 60 * 1000;
  const token = job.token ?? '';
  return {
    region,
    consoleLink: console,
    approval: {
      pipelineName: job.pipelineName,
      stageName: job.stageName,
      actionName: job.actionName,
      token,
      expires: toMinute(deadline),
      externalEntityLink: job.configuration['ExternalEntityLink'] ?? null,
      approvalReviewLink: `${console}/${job.stageName}/${job.actionName}/approve/${token}`,
      customData: job.configuration['CustomData'] ?? null,
    },
  };
}

/** Publishes the approval request to NotificationArn; a topic that does not exist fails the action, saying which. */
export function notifyApprovers(ctx: EngineContext, job: ActionJob): void {
  const topic = job.configuration['NotificationArn'] ?? '';
  const subject = `APPROVAL NEEDED: AWS CodePipeline ${job.pipelineName} for action ${job.actionName}`.slice(0, 100);
  try {
    publishToTopic(ctx, topic, { subject, message: JSON.stringify(approvalMessage(ctx, job)) });
  } catch (error) {
    if (!isSlipwayError(error)) throw error;
    throw new ActionFailure(`NotificationArn ${topic}: ${error.message}; create the topic (sns create-topic) or remove NotificationArn`, 'JobFailed');
  }
}
