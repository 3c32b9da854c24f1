// Turns a task definition's container into a runtime ContainerSpec: environment, secrets, ports, labels, limits.
import { join } from 'node:path';
import type { ContainerDefinition, ContainerOverride, RegisterTaskDefinitionRequest, Volume } from '@aws-sdk/client-ecs';
import { SlipwayError } from '../../core/errors.ts';
import { LABELS, type ContainerRuntime, type ContainerSpec, type Mount, type PortBinding } from '../../runtime/types.ts';
import { registryHost } from '../../services/ecr/auth.ts';
import type { TaskRecord } from '../../services/ecs/task-store.ts';
import { resolveSecretReference } from '../../services/secretsmanager/references.ts';
import type { ServiceContext } from '../../services/types.ts';
import { str } from '../../store/db.ts';

/** The label naming the task definition container a runtime container runs (with LABELS.resource = task ARN). */
export const CONTAINER_LABEL = 'dev.slipway.ecs.container';
export const TASK_ROLE = 'ecs-task';

/** Reads an SSM parameter by name or ARN from Slipway's Parameter Store (names are stored as given, with or without '/'). */
function ssmParameter(ctx: ServiceContext, ref: string): string | undefined {
  const m = /^arn:aws[a-z-]*:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(ref);
  const candidates = m === null ? [ref] : [m[1] ?? '', (m[1] ?? '').slice(1)];
  for (const name of candidates) {
    const row = ctx.store.get('SELECT value, type FROM ssm_parameters WHERE name = ?', name);
    if (row !== undefined) {
      const value = str(row, 'value');
      if (str(row, 'type') === 'SecureString') ctx.masker.add(value);
      return value;
    }
  }
  return undefined;
}

/** Resolves `secrets[].valueFrom` (Secrets Manager ARN with optional json-key, or SSM parameter name/ARN), as the agent does before start. */
export function resolveSecrets(ctx: ServiceContext, def: ContainerDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of def.secrets ?? []) {
    const name = s.name ?? '';
    const from = s.valueFrom ?? '';
    if (/^arn:aws[a-z-]*:secretsmanager:/.test(from)) {
      // ECS's form is <secret-arn>:<json-key>:<version-stage>:<version-id>; the resolver reads the same tail.
      out[name] = resolveSecretReference(ctx, from);
      continue;
    }
    const value = ssmParameter(ctx, from);
    if (value === undefined) {
      throw new SlipwayError('ResourceInitializationError', `secret ${name} of container ${def.name ?? ''}: parameter ${from} was not found in Parameter Store`);
    }
    out[name] = value;
  }
  return out;
}

export interface SpecInput {
  readonly task: TaskRecord;
  readonly taskDefinition: RegisterTaskDefinitionRequest;
  readonly def: ContainerDefinition;
  readonly override?: ContainerOverride;
  readonly secrets: Readonly<Record<string, string>>;
  readonly instanceId: string;
  readonly region: string;
  /** The task's own loopback address (awsvpc); absent: ephemeral ports on 127.0.0.1. */
  readonly address?: string;
  /** Slipway's data dir: task-scoped and shared volumes live under it. */
  readonly dataDir: string;
}

/** Task-scoped volumes of one task (removed when it stops). */
export function taskVolumesDir(dataDir: string, taskId: string): string {
  return join(dataDir, 'ecs-volumes', 'tasks', taskId);
}

/**
 * Where a task definition volume lives on the host: `host.sourcePath` as given; a `shared` Docker volume under the
 * data dir (it outlives tasks); anything else — an empty `host`, a `task`-scoped Docker volume, no configuration —
 * is task-scoped, shared by the task's containers and removed with the task, as ECS does.
 */
export function volumeSource(dataDir: string, taskId: string, volume: Volume): string {
  if (volume.host?.sourcePath !== undefined) return volume.host.sourcePath;
  if (volume.dockerVolumeConfiguration?.scope === 'shared') return join(dataDir, 'ecs-volumes', 'shared', volume.name ?? 'volume');
  return join(taskVolumesDir(dataDir, taskId), volume.name ?? 'volume');
}

export function containerName(taskId: string, name: string): string {
  return `slipway-task-${taskId}-${name}`;
}

export function portBindings(def: ContainerDefinition, networkMode: string | undefined, address: string | undefined): PortBinding[] {
  return (def.portMappings ?? [])
    .filter((p) => p.containerPort !== undefined)
    .map((p) => {
      const containerPort = p.containerPort ?? 0;
      const protocol = p.protocol ?? 'tcp';
      // awsvpc: the task owns its address, so the port is the container port, as on AWS.
      if (address !== undefined) return { containerPort, protocol, hostPort: containerPort, hostIp: address };
      const fixed = networkMode === 'host' ? containerPort : (p.hostPort ?? 0);
      return { containerPort, protocol, hostPort: fixed, hostIp: '127.0.0.1' };
    });
}

export function containerSpec(input: SpecInput): ContainerSpec {
  const { task, def, override } = input;
  const env: Record<string, string> = {
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
  };
  for (const e of def.environment ?? []) if (e.name !== undefined) env[e.name] = e.value ?? '';
  for (const e of override?.environment ?? []) if (e.name !== undefined) env[e.name] = e.value ?? '';
  Object.assign(env, input.secrets);
  const mounts: Mount[] = [];
  for (const mp of def.mountPoints ?? []) {
    const volume = (input.taskDefinition.volumes ?? []).find((v) => v.name === mp.sourceVolume);
    if (volume === undefined || mp.containerPath === undefined) continue;
    mounts.push({ source: volumeSource(input.dataDir, task.id, volume), target: mp.containerPath, readOnly: mp.readOnly ?? false, type: 'bind' });
  }
  const command = override?.command ?? def.command;
  const memory = override?.memory ?? def.memory;
  return {
    image: def.image ?? '',
    name: containerName(task.id, def.name ?? ''),
    ...(command === undefined ? {} : { command }),
    ...(def.entryPoint === undefined ? {} : { entrypoint: def.entryPoint }),
    env,
    ...(def.workingDirectory === undefined ? {} : { workingDir: def.workingDirectory }),
    ...(def.user === undefined ? {} : { user: def.user }),
    ports: portBindings(def, input.taskDefinition.networkMode, input.address),
    mounts,
    labels: {
      ...def.dockerLabels,
      [LABELS.owner]: input.instanceId,
      [LABELS.role]: TASK_ROLE,
      [LABELS.resource]: task.arn,
      [CONTAINER_LABEL]: def.name ?? '',
    },
    ...(memory === undefined ? {} : { memoryBytes: memory * 1024 * 1024 }),
    ...(def.cpu === undefined || def.cpu < 2 ? {} : { cpuShares: def.cpu }),
  };
}

const ECR_URI = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/(.+)$/;

/**
 * The local name of a task definition's image. An ECR URI (`<account>.dkr.ecr.<region>.amazonaws.com/repo:tag`, as
 * templates written for AWS say) means the same repository in Slipway's registry, whose images builds leave in the
 * engine under `<registry host>/repo:tag`; any other name is used as given (Slipway never pulls).
 */
export async function localImage(ctx: ServiceContext, runtime: ContainerRuntime, image: string): Promise<string> {
  const m = ECR_URI.exec(image);
  if (m === null) return image;
  const local = `${registryHost(ctx)}/${m[1] ?? ''}`;
  if (await runtime.imageExists(local)) return local;
  return image;
}
