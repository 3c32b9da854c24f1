// The RegisterTaskDefinition input shape (members, types, enums, required), as in ECS's API model 2014-11-13; a test checks it against the model.

export type Shape =
  | { readonly kind: 'string'; readonly enum?: readonly string[] }
  | { readonly kind: 'integer' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'map' }
  /** Any value; the caller checks it (e.g. appspec's version, 0.0 as a number or a string). */
  | { readonly kind: 'any' }
  | { readonly kind: 'list'; readonly member: Shape }
  | { readonly kind: 'structure'; readonly members: Readonly<Record<string, Shape>>; readonly required: readonly string[] };

export type StructureShape = Extract<Shape, { kind: 'structure' }>;

const S: Shape = { kind: 'string' };
const I: Shape = { kind: 'integer' };
const B: Shape = { kind: 'boolean' };
const M: Shape = { kind: 'map' };
const list = (member: Shape): Shape => ({ kind: 'list', member });
const oneOf = (...values: string[]): Shape => ({ kind: 'string', enum: values });
const struct = (members: Record<string, Shape>, required: readonly string[] = []): StructureShape => ({
  kind: 'structure',
  members,
  required,
});

const keyValue = struct({ name: S, value: S });
const secret = struct({ name: S, valueFrom: S }, ['name', 'valueFrom']);

export const portMappingShape = struct({
  containerPort: I,
  hostPort: I,
  protocol: oneOf('tcp', 'udp'),
  name: S,
  appProtocol: oneOf('http', 'http2', 'grpc'),
  containerPortRange: S,
});

export const healthCheckShape = struct({ command: list(S), interval: I, timeout: I, retries: I, startPeriod: I }, ['command']);

export const containerDefinitionShape = struct({
  name: S,
  image: S,
  repositoryCredentials: struct({ credentialsParameter: S }, ['credentialsParameter']),
  cpu: I,
  memory: I,
  memoryReservation: I,
  links: list(S),
  portMappings: list(portMappingShape),
  essential: B,
  restartPolicy: struct({ enabled: B, ignoredExitCodes: list(I), restartAttemptPeriod: I }, ['enabled']),
  entryPoint: list(S),
  command: list(S),
  environment: list(keyValue),
  environmentFiles: list(struct({ value: S, type: oneOf('s3') }, ['value', 'type'])),
  mountPoints: list(struct({ sourceVolume: S, containerPath: S, readOnly: B })),
  volumesFrom: list(struct({ sourceContainer: S, readOnly: B })),
  linuxParameters: struct({
    capabilities: struct({ add: list(S), drop: list(S) }),
    devices: list(struct({ hostPath: S, containerPath: S, permissions: list(oneOf('read', 'write', 'mknod')) }, ['hostPath'])),
    initProcessEnabled: B,
    sharedMemorySize: I,
    tmpfs: list(struct({ containerPath: S, size: I, mountOptions: list(S) }, ['containerPath', 'size'])),
    maxSwap: I,
    swappiness: I,
  }),
  secrets: list(secret),
  dependsOn: list(struct({ containerName: S, condition: oneOf('START', 'COMPLETE', 'SUCCESS', 'HEALTHY') }, ['containerName', 'condition'])),
  startTimeout: I,
  stopTimeout: I,
  versionConsistency: oneOf('enabled', 'disabled'),
  hostname: S,
  user: S,
  workingDirectory: S,
  disableNetworking: B,
  privileged: B,
  readonlyRootFilesystem: B,
  dnsServers: list(S),
  dnsSearchDomains: list(S),
  extraHosts: list(struct({ hostname: S, ipAddress: S }, ['hostname', 'ipAddress'])),
  dockerSecurityOptions: list(S),
  interactive: B,
  pseudoTerminal: B,
  dockerLabels: M,
  ulimits: list(
    struct(
      {
        name: oneOf('core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'),
        softLimit: I,
        hardLimit: I,
      },
      ['name', 'softLimit', 'hardLimit'],
    ),
  ),
  logConfiguration: struct(
    {
      logDriver: oneOf('json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'awsfirelens'),
      options: M,
      secretOptions: list(secret),
    },
    ['logDriver'],
  ),
  healthCheck: healthCheckShape,
  systemControls: list(struct({ namespace: S, value: S })),
  resourceRequirements: list(struct({ value: S, type: oneOf('GPU', 'InferenceAccelerator') }, ['value', 'type'])),
  firelensConfiguration: struct({ type: oneOf('fluentd', 'fluentbit'), options: M }, ['type']),
  credentialSpecs: list(S),
});

const efsVolume = struct(
  {
    fileSystemId: S,
    rootDirectory: S,
    transitEncryption: oneOf('ENABLED', 'DISABLED'),
    transitEncryptionPort: I,
    authorizationConfig: struct({ accessPointId: S, iam: oneOf('ENABLED', 'DISABLED') }),
  },
  ['fileSystemId'],
);

const volume = struct({
  name: S,
  host: struct({ sourcePath: S }),
  dockerVolumeConfiguration: struct({ scope: oneOf('task', 'shared'), autoprovision: B, driver: S, driverOpts: M, labels: M }),
  efsVolumeConfiguration: efsVolume,
  s3filesVolumeConfiguration: struct(
    { fileSystemArn: S, rootDirectory: S, transitEncryptionPort: I, accessPointArn: S },
    ['fileSystemArn'],
  ),
  fsxWindowsFileServerVolumeConfiguration: struct(
    { fileSystemId: S, rootDirectory: S, authorizationConfig: struct({ credentialsParameter: S, domain: S }, ['credentialsParameter', 'domain']) },
    ['fileSystemId', 'rootDirectory', 'authorizationConfig'],
  ),
  configuredAtLaunch: B,
});

export const NETWORK_MODES = ['bridge', 'host', 'awsvpc', 'none'] as const;

export const registerTaskDefinitionShape = struct(
  {
    family: S,
    taskRoleArn: S,
    executionRoleArn: S,
    networkMode: oneOf(...NETWORK_MODES),
    containerDefinitions: list(containerDefinitionShape),
    volumes: list(volume),
    placementConstraints: list(struct({ type: oneOf('memberOf'), expression: S })),
    requiresCompatibilities: list(oneOf('EC2', 'FARGATE', 'EXTERNAL', 'MANAGED_INSTANCES')),
    cpu: S,
    memory: S,
    tags: list(struct({ key: S, value: S })),
    pidMode: oneOf('host', 'task'),
    ipcMode: oneOf('host', 'task', 'none'),
    proxyConfiguration: struct({ type: oneOf('APPMESH'), containerName: S, properties: list(keyValue) }, ['containerName']),
    inferenceAccelerators: list(struct({ deviceName: S, deviceType: S }, ['deviceName', 'deviceType'])),
    ephemeralStorage: struct({ sizeInGiB: I }, ['sizeInGiB']),
    runtimePlatform: struct({
      cpuArchitecture: oneOf('X86_64', 'ARM64'),
      operatingSystemFamily: oneOf(
        'WINDOWS_SERVER_2019_FULL',
        'WINDOWS_SERVER_2019_CORE',
        'WINDOWS_SERVER_2016_FULL',
        'WINDOWS_SERVER_2004_CORE',
        'WINDOWS_SERVER_2022_CORE',
        'WINDOWS_SERVER_2022_FULL',
        'WINDOWS_SERVER_2025_CORE',
        'WINDOWS_SERVER_2025_FULL',
        'WINDOWS_SERVER_20H2_CORE',
        'LINUX',
      ),
    }),
    enableFaultInjection: B,
  },
  ['family', 'containerDefinitions'],
);

/** Members DescribeTaskDefinition returns that RegisterTaskDefinition does not take (a pasted describe output). */
export const DESCRIBE_ONLY_MEMBERS: ReadonlySet<string> = new Set([
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'deregisteredAt',
  'deleteRequestedAt',
  'registeredBy',
]);
