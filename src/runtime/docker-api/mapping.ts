// Translates Slipway's ContainerSpec to the Docker create body, and Docker's inspect output to ContainerInfo.
import type { ContainerCreateOptions, ContainerInspectInfo } from 'dockerode';
import type { ContainerInfo, ContainerSpec, ContainerStatus } from '../types.ts';

const STATUSES = ['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing'] as const satisfies readonly ContainerStatus[];

export function toCreateOptions(spec: ContainerSpec): ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`;
    exposed[key] = {};
    // An empty HostPort asks the engine to pick a free one.
    const hostPort = p.hostPort === undefined || p.hostPort === 0 ? '' : String(p.hostPort);
    (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '127.0.0.1', HostPort: hostPort });
  }
  const options: ContainerCreateOptions = {
    Image: spec.image,
    Labels: { ...spec.labels },
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Tty: spec.tty ?? false,
    OpenStdin: spec.openStdin ?? false,
    ExposedPorts: exposed,
    HostConfig: {
      PortBindings: bindings,
      Mounts: (spec.mounts ?? []).map((m) => ({
        Type: m.type ?? 'bind',
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly ?? false,
      })),
      Privileged: spec.privileged ?? false,
    },
  };
  if (spec.name !== undefined) options.name = spec.name;
  if (spec.command !== undefined) options.Cmd = [...spec.command];
  if (spec.entrypoint !== undefined) options.Entrypoint = [...spec.entrypoint];
  if (spec.workingDir !== undefined) options.WorkingDir = spec.workingDir;
  if (spec.user !== undefined) options.User = spec.user;
  const host = options.HostConfig ?? {};
  if (spec.memoryBytes !== undefined) host.Memory = spec.memoryBytes;
  if (spec.cpuShares !== undefined) host.CpuShares = spec.cpuShares;
  if (spec.network !== undefined) {
    host.NetworkMode = spec.network;
    // The host's network takes no endpoint settings (Podman refuses them).
    if (spec.network !== 'host') {
      options.NetworkingConfig = {
        EndpointsConfig: { [spec.network]: { Aliases: [...(spec.networkAliases ?? [])] } },
      };
    }
  }
  return options;
}

function toTime(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || value.startsWith('0001-')) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function toStatus(value: string): ContainerStatus {
  // Podman reports `stopped` and `configured`; fold them onto Docker's words.
  if (value === 'stopped') return 'exited';
  if (value === 'configured' || value === 'initialized') return 'created';
  return (STATUSES as readonly string[]).includes(value) ? (value as ContainerStatus) : 'dead';
}

export function toContainerInfo(raw: ContainerInspectInfo): ContainerInfo {
  const status = toStatus(raw.State.Status);
  const ports: { containerPort: number; protocol: 'tcp' | 'udp'; hostIp: string; hostPort: number }[] = [];
  for (const [key, bound] of Object.entries(raw.NetworkSettings.Ports ?? {})) {
    const [port, proto] = key.split('/');
    for (const b of bound ?? []) {
      if (b.HostPort === '') continue;
      ports.push({
        containerPort: Number(port),
        protocol: proto === 'udp' ? 'udp' : 'tcp',
        hostIp: b.HostIp === '' ? '0.0.0.0' : b.HostIp,
        hostPort: Number(b.HostPort),
      });
    }
  }
  const networks: Record<string, { ipAddress: string }> = {};
  for (const [name, n] of Object.entries(raw.NetworkSettings.Networks ?? {})) networks[name] = { ipAddress: n.IPAddress };
  const exited = status === 'exited' || status === 'dead';
  const health = raw.State.Health?.Status;
  const info: ContainerInfo = {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    image: raw.Config.Image,
    status,
    running: raw.State.Running,
    oomKilled: raw.State.OOMKilled,
    labels: { ...(raw.Config.Labels ?? {}) },
    ports,
    networks,
  };
  return {
    ...info,
    ...(exited ? { exitCode: raw.State.ExitCode } : {}),
    ...(toTime(raw.State.StartedAt) !== undefined ? { startedAt: toTime(raw.State.StartedAt) } : {}),
    ...(exited && toTime(raw.State.FinishedAt) !== undefined ? { finishedAt: toTime(raw.State.FinishedAt) } : {}),
    ...(health === 'healthy' || health === 'unhealthy' || health === 'starting' ? { health } : {}),
  };
}
