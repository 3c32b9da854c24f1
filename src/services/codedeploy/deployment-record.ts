// The stored deployment: what the API reports (DeploymentInfo, ECS target) and what an engine advances, persisted as one JSON body.
import type {
  AlarmConfiguration,
  AutoRollbackConfiguration,
  BlueGreenDeploymentConfiguration,
  DeploymentCreator,
  DeploymentInfo,
  DeploymentStatus,
  DeploymentStyle,
  DeploymentTarget,
  ECSService,
  ErrorCode,
  LifecycleErrorCode,
  LoadBalancerInfo,
  RevisionLocation,
  TargetStatus,
  TrafficRoutingConfig,
} from '@aws-sdk/client-codedeploy';
import { SlipwayError } from '../../core/errors.ts';
import type { EcsAppSpec } from '../../specs/appspec/index.ts';
import { str } from '../../store/db.ts';
import type { ServiceContext } from '../types.ts';

/** The eight ECS lifecycle events, in the order they run (AWS-SEMANTICS §3.1). */
export const LIFECYCLE_EVENTS = ['BeforeInstall', 'Install', 'AfterInstall', 'AllowTestTraffic', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AllowTraffic', 'AfterAllowTraffic'] as const;
export type LifecycleEventName = (typeof LIFECYCLE_EVENTS)[number];
export type LifecycleStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown';

/** Statuses in which a deployment still holds its group (one active deployment per group). */
export const ACTIVE_STATUSES: readonly DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];

export interface Diagnostics {
  readonly errorCode: LifecycleErrorCode;
  readonly scriptName?: string;
  readonly message: string;
  readonly logTail?: string;
}

export interface LifecycleEventState {
  readonly lifecycleEventName: LifecycleEventName;
  status: LifecycleStatus;
  startTime?: number;
  endTime?: number;
  /** The appspec's hook for this event (a Lambda function name on AWS). */
  hookFunction?: string;
  /** Set when the event starts and has a hook; PutLifecycleEventHookExecutionStatus names it. */
  lifecycleEventHookExecutionId?: string;
  diagnostics?: Diagnostics;
}

export interface TaskSetState {
  readonly identifer: string;
  readonly taskSetLabel: 'Blue' | 'Green';
  readonly targetGroup: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  /** ECS task set status: PRIMARY, ACTIVE, DRAINING. */
  status: string;
  /** Share of production traffic, 0–100. */
  trafficWeight: number;
}

export interface DeploymentRecord {
  readonly deploymentId: string;
  readonly applicationName: string;
  deploymentGroupName: string;
  readonly deploymentConfigName: string;
  /** The configuration's routing, captured at creation so later edits of a custom configuration cannot change a running deployment. */
  readonly trafficRoutingConfig?: TrafficRoutingConfig;
  status: DeploymentStatus;
  readonly createTime: number;
  startTime?: number;
  completeTime?: number;
  readonly description?: string;
  readonly creator: DeploymentCreator;
  readonly revision: RevisionLocation;
  readonly previousRevision?: RevisionLocation;
  /** The parsed appspec; absent for S3 revisions, which Slipway stores without reading. */
  readonly appSpec?: EcsAppSpec;
  readonly autoRollbackConfiguration: AutoRollbackConfiguration;
  readonly alarmConfiguration: AlarmConfiguration;
  readonly overrideAlarmConfiguration?: AlarmConfiguration;
  readonly deploymentStyle: DeploymentStyle;
  readonly blueGreenDeploymentConfiguration: BlueGreenDeploymentConfiguration;
  readonly loadBalancerInfo: LoadBalancerInfo;
  readonly ecsService: ECSService;
  errorInformation?: { code: ErrorCode; message: string };
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string };
  targetStatus: TargetStatus;
  targetUpdatedAt: number;
  lifecycleEvents: LifecycleEventState[];
  taskSets: TaskSetState[];
  /** When the ready wait (deploymentReadyOption STOP_DEPLOYMENT) runs out, ms since the epoch. */
  readyWaitEndsAt?: number;
  instanceTerminationWaitTimeStarted: boolean;
  /** When blue's termination wait ends, ms since the epoch; moved to "now" by ContinueDeployment(TERMINATION_WAIT). */
  terminationWaitEndsAt?: number;
  deploymentStatusMessages: string[];
}

export function loadDeployment(ctx: ServiceContext, id: string): DeploymentRecord {
  const row = ctx.store.get('SELECT body FROM codedeploy_deployments WHERE id = ?', id);
  if (row === undefined) throw new SlipwayError('DeploymentDoesNotExistException', `The deployment ${id} could not be found; expected the id of an existing deployment (d-XXXXXXXXX)`);
  return JSON.parse(str(row, 'body')) as DeploymentRecord;
}

export function insertDeployment(ctx: ServiceContext, d: DeploymentRecord): void {
  ctx.store.run(
    'INSERT INTO codedeploy_deployments (id, application_name, group_name, status, create_time, body) VALUES (?, ?, ?, ?, ?, ?)',
    d.deploymentId,
    d.applicationName,
    d.deploymentGroupName,
    d.status,
    d.createTime,
    JSON.stringify(d),
  );
}

export function saveDeployment(ctx: ServiceContext, d: DeploymentRecord): void {
  ctx.store.run('UPDATE codedeploy_deployments SET status = ?, body = ? WHERE id = ?', d.status, JSON.stringify(d), d.deploymentId);
}

export function isActive(d: DeploymentRecord): boolean {
  return ACTIVE_STATUSES.includes(d.status);
}

export function ecsTargetId(s: ECSService): string {
  return `${s.clusterName ?? ''}:${s.serviceName ?? ''}`;
}

function overview(d: DeploymentRecord): NonNullable<DeploymentInfo['deploymentOverview']> {
  const counts = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  const s = d.targetStatus;
  if (s in counts) counts[s as keyof typeof counts] = 1;
  return counts;
}

export function toDeploymentInfo(d: DeploymentRecord): DeploymentInfo {
  const date = (ms: number | undefined): { value?: Date } => (ms === undefined ? {} : { value: new Date(ms) });
  const startTime = date(d.startTime).value;
  const completeTime = date(d.completeTime).value;
  return {
    applicationName: d.applicationName,
    deploymentGroupName: d.deploymentGroupName,
    deploymentConfigName: d.deploymentConfigName,
    deploymentId: d.deploymentId,
    ...(d.previousRevision === undefined ? {} : { previousRevision: d.previousRevision }),
    revision: d.revision,
    status: d.status,
    ...(d.errorInformation === undefined ? {} : { errorInformation: d.errorInformation }),
    createTime: new Date(d.createTime),
    ...(startTime === undefined ? {} : { startTime }),
    ...(completeTime === undefined ? {} : { completeTime }),
    deploymentOverview: overview(d),
    ...(d.description === undefined ? {} : { description: d.description }),
    creator: d.creator,
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: d.autoRollbackConfiguration,
    updateOutdatedInstancesOnly: false,
    ...(d.rollbackInfo === undefined ? {} : { rollbackInfo: d.rollbackInfo }),
    deploymentStyle: d.deploymentStyle,
    instanceTerminationWaitTimeStarted: d.instanceTerminationWaitTimeStarted,
    blueGreenDeploymentConfiguration: d.blueGreenDeploymentConfiguration,
    loadBalancerInfo: d.loadBalancerInfo,
    fileExistsBehavior: 'DISALLOW',
    deploymentStatusMessages: d.deploymentStatusMessages,
    computePlatform: 'ECS',
    ...(d.overrideAlarmConfiguration === undefined ? {} : { overrideAlarmConfiguration: d.overrideAlarmConfiguration }),
  };
}

export function toDeploymentTarget(d: DeploymentRecord, serviceArn: string): DeploymentTarget {
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: d.deploymentId,
      targetId: ecsTargetId(d.ecsService),
      targetArn: serviceArn,
      lastUpdatedAt: new Date(d.targetUpdatedAt),
      status: d.targetStatus,
      lifecycleEvents: d.lifecycleEvents.map((e) => ({
        lifecycleEventName: e.lifecycleEventName,
        status: e.status,
        ...(e.startTime === undefined ? {} : { startTime: new Date(e.startTime) }),
        ...(e.endTime === undefined ? {} : { endTime: new Date(e.endTime) }),
        ...(e.diagnostics === undefined ? {} : { diagnostics: e.diagnostics }),
      })),
      taskSetsInfo: d.taskSets.map((t) => ({
        identifer: t.identifer,
        desiredCount: t.desiredCount,
        pendingCount: t.pendingCount,
        runningCount: t.runningCount,
        status: t.status,
        trafficWeight: t.trafficWeight,
        targetGroup: { name: t.targetGroup },
        taskSetLabel: t.taskSetLabel,
      })),
    },
  };
}
