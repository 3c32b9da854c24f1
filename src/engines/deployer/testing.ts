// A blue/green world on the real engine for deployer tests: busybox httpd tasks, two target groups, prod and test listeners.
import { randomBytes } from 'node:crypto';
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  type CreateDeploymentGroupCommandInput,
} from '@aws-sdk/client-codedeploy';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SlipwayConfig } from '../../core/config.ts';
import type { SlipwayEvent } from '../../core/events.ts';
import { ensureBusyboxImage } from '../../runtime/base-images.ts';
import { connectRuntime } from '../../runtime/engine.ts';
import { removeContainersOf, startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.ts';
import { freePort } from '../../../test/helpers/ports.ts';
import { fargateTaskDefinition } from '../scheduler/testing.ts';

export const CLUSTER = 'bg';
export const SERVICE = 'web';
export const APPLICATION = 'web';
export const GROUP = 'web-dg';
const TG_NAMES = ['web-tg-1', 'web-tg-2'] as const;
const NET = { awsvpcConfiguration: { subnets: ['subnet-1'] } };

export interface BlueGreenWorld {
  t: TestDaemon;
  ecs: ECSClient;
  elb: ElasticLoadBalancingV2Client;
  cd: CodeDeployClient;
  readonly image: string;
  readonly prodPort: number;
  readonly testPort: number;
  readonly targetGroups: readonly [string, string];
  readonly prodListenerArn: string;
  readonly testListenerArn: string;
  /** Registers a revision whose GET / answers `{"version": "<version>"}`; an unhealthy one fails its health checks. */
  taskDefinition(version: string, healthy?: boolean): Promise<string>;
  /** CreateDeployment of a task definition through an ECS appspec (with optional hooks and configuration). */
  deploy(taskDefinitionArn: string, options?: { configName?: string; hooks?: Record<string, string> }): Promise<string>;
  /** The next event matching, within 4 minutes. */
  next(match: (e: SlipwayEvent) => boolean): Promise<SlipwayEvent>;
  /** The deployment's end: succeeded, failed or stopped. */
  ended(id: string): Promise<SlipwayEvent>;
  /** The version a listener port answers now. */
  version(port: number): Promise<string>;
  /** The first half of a restart: Slipway stops; containers and the data plane keep running. */
  stopDaemon(): Promise<void>;
  /** The second half: Slipway starts on the same data dir (clients renewed) and has adopted both listeners. */
  startDaemon(): Promise<void>;
  close(): Promise<void>;
}

export function appspec(taskDefinitionArn: string, hooks: Record<string, string> = {}): string {
  return JSON.stringify({
    version: 0.0,
    Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: taskDefinitionArn, LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 } } } }],
    ...(Object.keys(hooks).length === 0 ? {} : { Hooks: Object.entries(hooks).map(([event, fn]) => ({ [event]: fn })) }),
  });
}

/**
 * Builds the app image, starts Slipway with `settings` (e.g. a short deployment minute), and creates the ALB, the
 * CODE_DEPLOY service serving v1 on the production listener, the application and the deployment group.
 */
export async function startBlueGreen(options: { settings?: Partial<SlipwayConfig>; group?: Partial<CreateDeploymentGroupCommandInput> } = {}): Promise<BlueGreenWorld> {
  const image = `localhost/slipway-deployer-test-${randomBytes(4).toString('hex')}:v1`;
  let t = await startTestDaemon({ runtime: 'auto', ...(options.settings === undefined ? {} : { settings: options.settings }) });
  await t.daemon.whenRuntimeSettled();
  const runtime = t.daemon.runtime;
  const base = await ensureBusyboxImage(runtime);
  const script =
    'mkdir -p /www && printf \'{"version":"%s"}\' "$VERSION" > /www/index.html && if [ "$HEALTHY" = true ]; then echo ok > /www/health-check; fi; exec httpd -f -p 8080 -h /www';
  await runtime.buildImage({ tag: image, files: { Dockerfile: Buffer.from(`FROM ${base.ref}\nCMD ["sh", "-c", ${JSON.stringify(script)}]\n`) } });
  const prodPort = await freePort();
  const testPort = await freePort();
  const world: Partial<BlueGreenWorld> & { t: TestDaemon } = { t, image, prodPort, testPort };
  const clients = (): void => {
    world.ecs = new ECSClient(t.sdk);
    world.elb = new ElasticLoadBalancingV2Client(t.sdk);
    world.cd = new CodeDeployClient(t.sdk);
  };
  clients();
  const { ecs, elb, cd } = world as BlueGreenWorld;

  const groups: string[] = [];
  for (const name of TG_NAMES) {
    const tg = await elb.send(
      new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 8080, VpcId: 'vpc-1', TargetType: 'ip', HealthCheckPath: '/health-check', HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 }),
    );
    groups.push(tg.TargetGroups?.[0]?.TargetGroupArn ?? '');
  }
  const [tg1 = '', tg2 = ''] = groups;
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: 'web-alb', Subnets: ['subnet-1', 'subnet-2'] }));
  const lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
  const prod = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: prodPort, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg1 }] }));
  const test = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: testPort, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg1 }] }));
  const prodListenerArn = prod.Listeners?.[0]?.ListenerArn ?? '';
  const testListenerArn = test.Listeners?.[0]?.ListenerArn ?? '';

  const next = (match: (e: SlipwayEvent) => boolean): Promise<SlipwayEvent> => t.daemon.bus.next(match, AbortSignal.timeout(240_000));
  /** The first event after `seq` matching, from the persisted history or as it happens. */
  const seen = (seq: number, match: (e: SlipwayEvent) => boolean): Promise<SlipwayEvent> => t.daemon.bus.after(seq, match, AbortSignal.timeout(240_000));
  const taskDefinition = async (version: string, healthy = true): Promise<string> => {
    const td = await (world.ecs as ECSClient).send(
      new RegisterTaskDefinitionCommand(
        fargateTaskDefinition('web', image, {
          // As in the seed's task definition: ECS replaces a task whose container health check fails. A healthy revision
          // tolerates slow probes (the machine runs other tests); a failing one is given up on at its first failure.
          healthCheck: { command: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:8080/health-check'], interval: 5, timeout: healthy ? 5 : 2, retries: healthy ? 3 : 1 },
          environment: [
            { name: 'VERSION', value: version },
            { name: 'HEALTHY', value: String(healthy) },
          ],
        }),
      ),
    );
    return td.taskDefinition?.taskDefinitionArn ?? '';
  };

  await ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }));
  const v1 = await taskDefinition('v1');
  const healthy = next((e) => e.type === 'elbv2.target-health.changed' && e.resource === tg1 && e.detail['state'] === 'healthy');
  await ecs.send(
    new CreateServiceCommand({
      cluster: CLUSTER,
      serviceName: SERVICE,
      taskDefinition: v1,
      desiredCount: 1,
      networkConfiguration: NET,
      deploymentController: { type: 'CODE_DEPLOY' },
      loadBalancers: [{ targetGroupArn: tg1, containerName: 'app', containerPort: 8080 }],
    }),
  );
  await healthy;
  await cd.send(new CreateApplicationCommand({ applicationName: APPLICATION, computePlatform: 'ECS' }));
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: APPLICATION,
      deploymentGroupName: GROUP,
      serviceRoleArn: 'arn:aws:iam::000000000000:role/cd',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
      ecsServices: [{ clusterName: CLUSTER, serviceName: SERVICE }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [{ targetGroups: TG_NAMES.map((name) => ({ name })), prodTrafficRoute: { listenerArns: [prodListenerArn] }, testTrafficRoute: { listenerArns: [testListenerArn] } }],
      },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'] },
      ...options.group,
    }),
  );

  const instanceIds = [t.daemon.instanceId];
  let stoppedAt = 0;
  return Object.assign(world, {
    targetGroups: [tg1, tg2] as const,
    prodListenerArn,
    testListenerArn,
    taskDefinition,
    next,
    async deploy(taskDefinitionArn: string, o: { configName?: string; hooks?: Record<string, string> } = {}): Promise<string> {
      const created = await (world.cd as CodeDeployClient).send(
        new CreateDeploymentCommand({
          applicationName: APPLICATION,
          deploymentGroupName: GROUP,
          ...(o.configName === undefined ? {} : { deploymentConfigName: o.configName }),
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appspec(taskDefinitionArn, o.hooks) } },
        }),
      );
      return created.deploymentId ?? '';
    },
    ended(id: string): Promise<SlipwayEvent> {
      return seen(0, (e) => e.resource === id && /^codedeploy\.deployment\.(succeeded|failed|stopped)$/.test(e.type));
    },
    async version(port: number): Promise<string> {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      return String((JSON.parse(await res.text()) as { version?: unknown }).version);
    },
    async stopDaemon(): Promise<void> {
      for (const c of [world.ecs, world.elb, world.cd]) c?.destroy();
      stoppedAt = t.daemon.bus.lastSeq();
      await t.daemon.stop('restart in a test');
    },
    async startDaemon(): Promise<void> {
      const dataDir = t.dataDir;
      t = await startTestDaemon({ runtime: 'auto', dataDir, ...(options.settings === undefined ? {} : { settings: options.settings }) });
      world.t = t;
      instanceIds.push(t.daemon.instanceId);
      clients();
      // Driving again once the load balancer has adopted the data plane and applied both listeners' routing.
      for (const arn of [prodListenerArn, testListenerArn]) await seen(stoppedAt, (e) => e.type === 'elbv2.listener.routing-applied' && e.resource === arn);
    },
    async close(): Promise<void> {
      for (const c of [world.ecs, world.elb, world.cd]) c?.destroy();
      // Stop Slipway first (it leaves task containers running, as designed), then remove them through a connection of our own.
      const dataDir = t.dataDir;
      await t.stop();
      const { rmSync } = await import('node:fs');
      rmSync(dataDir, { recursive: true, force: true });
      for (const id of instanceIds) await removeContainersOf(id);
      const cleanup = await connectRuntime();
      await cleanup.removeImage(image).catch(() => undefined);
      await cleanup.close();
    },
  }) as BlueGreenWorld;
}
