// ECS task definition rules (RegisterTaskDefinition) beyond the shape: names, memory, Fargate sizes, ports, health checks, dependencies.
import type { Problem } from '../../core/errors.ts';
import { DESCRIBE_ONLY_MEMBERS, NETWORK_MODES, registerTaskDefinitionShape } from './model.ts';
import { checkShape } from './shape-check.ts';
import { Reporter, isRecord } from './source.ts';
import type { Path, Source } from './source.ts';

/** Docker 20.10+ reserves 6 MiB per container (ECS API docs for memory/memoryReservation; 4 MiB was Docker ≤19.03). */
export const MIN_CONTAINER_MEMORY_MIB = 6;
const NAME_RE = /^[A-Za-z0-9_-]{1,255}$/;
const GB = 1024;

/** Valid Fargate task sizes: cpu units → allowed memory in MiB. */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, steps(1 * GB, 4 * GB, GB)],
  [1024, steps(2 * GB, 8 * GB, GB)],
  [2048, steps(4 * GB, 16 * GB, GB)],
  [4096, steps(8 * GB, 30 * GB, GB)],
  [8192, steps(16 * GB, 60 * GB, 4 * GB)],
  [16384, steps(32 * GB, 120 * GB, 8 * GB)],
]);

function steps(from: number, to: number, by: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += by) out.push(v);
  return out;
}

/** Task cpu as units: "256", "1 vCPU", "0.25 vcpu". Undefined when it cannot be read. */
export function parseTaskCpu(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$/i.exec(value);
  if (m === null) return undefined;
  const n = Number(m[1]) * (m[2] === undefined ? 1 : 1024);
  return Number.isInteger(n) ? n : undefined;
}

/** Task memory in MiB: "512", "1GB", "2 GB", "512 MiB". Undefined when it cannot be read. */
export function parseTaskMemory(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(gb|gib|mb|mib)?\s*$/i.exec(value);
  if (m === null) return undefined;
  const unit = m[2]?.toLowerCase();
  const n = Number(m[1]) * (unit === 'gb' || unit === 'gib' ? 1024 : 1);
  return Number.isInteger(n) ? n : undefined;
}

/** Every problem in a RegisterTaskDefinition input; positions come from `source` when the input was read from a file. */
export function validateTaskDefinition(input: unknown, file?: string, source?: Source): Problem[] {
  const r = new Reporter(file, source);
  checkShape(input, registerTaskDefinitionShape, [], r, (path, member) =>
    path.length === 0 && DESCRIBE_ONLY_MEMBERS.has(member)
      ? `${member} is DescribeTaskDefinition output; remove it from a RegisterTaskDefinition input`
      : undefined,
  );
  if (isRecord(input)) checkTask(input, r);
  return r.problems;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);

function checkTask(td: Record<string, unknown>, r: Reporter): void {
  const family = str(td['family']);
  if (family !== undefined && !NAME_RE.test(family)) {
    r.add(['family'], '1–255 letters, digits, underscores (_) and hyphens (-)', { found: family });
  }
  const compat = Array.isArray(td['requiresCompatibilities']) ? td['requiresCompatibilities'] : [];
  const fargate = compat.includes('FARGATE');
  const networkMode = str(td['networkMode']) ?? 'bridge';
  const knownMode = (NETWORK_MODES as readonly string[]).includes(networkMode);
  if (fargate && knownMode && networkMode !== 'awsvpc') {
    r.add(['networkMode'], 'awsvpc (FARGATE in requiresCompatibilities requires it)', {
      foundText: td['networkMode'] === undefined ? 'nothing (defaults to bridge)' : JSON.stringify(networkMode),
    });
  }
  const taskCpu = taskSize(td, 'cpu', parseTaskCpu, 'CPU units ("256") or vCPU ("1 vCPU")', r);
  const taskMemory = taskSize(td, 'memory', parseTaskMemory, 'MiB ("512") or GB ("1GB")', r);
  if (fargate) checkFargateSize(td, taskCpu, taskMemory, r);
  else if (taskCpu !== undefined && (taskCpu < 128 || taskCpu > 10240)) {
    r.add(['cpu'], 'between 128 and 10240 CPU units', { found: td['cpu'] });
  }

  const defs = td['containerDefinitions'];
  if (!Array.isArray(defs)) return;
  if (defs.length === 0) {
    r.add(['containerDefinitions'], 'at least one container definition', { foundText: 'an empty list' });
    return;
  }
  const containers = defs.map((d, i) => ({ d: isRecord(d) ? d : {}, i }));
  const firstByName = new Map<string, number>();
  for (const { d, i } of containers) {
    const name = d['name'];
    if (name === undefined) r.add(['containerDefinitions', i, 'name'], 'a container name (name is required)', { found: undefined });
    else if (typeof name === 'string' && !NAME_RE.test(name)) {
      r.add(['containerDefinitions', i, 'name'], '1–255 letters, digits, underscores (_) and hyphens (-)', { found: name });
    }
    if (typeof name === 'string') {
      const first = firstByName.get(name);
      if (first === undefined) firstByName.set(name, i);
      else r.add(['containerDefinitions', i, 'name'], `a unique container name (containerDefinitions[${first}] is also "${name}")`, { found: name });
    }
    if (d['image'] === undefined || d['image'] === '') {
      r.add(['containerDefinitions', i, 'image'], 'an image (image is required)', { found: d['image'] });
    }
  }
  if (!containers.some(({ d }) => d['essential'] !== false)) {
    r.add(['containerDefinitions'], 'at least one essential container (essential defaults to true)', { foundText: 'every container has essential: false' });
  }
  const essentialByName = new Map<string, boolean>();
  for (const { d } of containers) if (typeof d['name'] === 'string') essentialByName.set(d['name'], d['essential'] !== false);

  let cpuSum = 0;
  for (const { d, i } of containers) {
    const at: Path = ['containerDefinitions', i];
    checkMemory(d, at, fargate, taskMemory, r);
    cpuSum += int(d['cpu']) ?? 0;
    checkPorts(d, at, networkMode, r);
    if (Array.isArray(d['links']) && d['links'].length > 0 && networkMode !== 'bridge') {
      r.add([...at, 'links'], `no links with networkMode ${networkMode} (links work only with bridge)`, { found: d['links'] });
    }
    checkHealthCheck(d, at, r);
    checkDependsOn(d, at, essentialByName, r);
    const stop = int(d['stopTimeout']);
    if (stop !== undefined && (stop < 0 || (fargate && stop > 120))) {
      r.add([...at, 'stopTimeout'], fargate ? 'between 0 and 120 seconds on Fargate' : 'a number of seconds, 0 or more', { found: stop });
    }
    const start = int(d['startTimeout']);
    if (start !== undefined && start < 0) r.add([...at, 'startTimeout'], 'a number of seconds, 0 or more', { found: start });
  }
  if (taskCpu !== undefined && cpuSum > taskCpu) {
    r.add(['containerDefinitions'], `container cpu adding up to at most the task cpu (${taskCpu} units)`, { foundText: `${cpuSum} units in all` });
  }
}

function taskSize(td: Record<string, unknown>, key: 'cpu' | 'memory', parse: (v: string) => number | undefined, form: string, r: Reporter): number | undefined {
  const raw = str(td[key]);
  if (raw === undefined) return undefined;
  const n = parse(raw);
  if (n === undefined) r.add([key], `a whole number of ${form}`, { found: raw });
  return n;
}

function checkFargateSize(td: Record<string, unknown>, cpu: number | undefined, memory: number | undefined, r: Reporter): void {
  if (td['cpu'] === undefined) r.add(['cpu'], 'a task cpu (required with FARGATE): one of ' + [...FARGATE_SIZES.keys()].join(', '), { found: undefined });
  if (td['memory'] === undefined) r.add(['memory'], 'a task memory in MiB (required with FARGATE)', { found: undefined });
  if (cpu === undefined || memory === undefined) return;
  const allowed = FARGATE_SIZES.get(cpu);
  if (allowed === undefined) {
    r.add(['cpu'], `a Fargate cpu: one of ${[...FARGATE_SIZES.keys()].join(', ')}`, { foundText: `${cpu} units` });
  } else if (!allowed.includes(memory)) {
    r.add(['memory'], `a Fargate memory for cpu ${cpu}: ${describeSizes(allowed)} MiB`, { foundText: `${memory} MiB` });
  }
}

function describeSizes(sizes: readonly number[]): string {
  if (sizes.length <= 3) return sizes.join(', ');
  const step = (sizes[1] ?? 0) - (sizes[0] ?? 0);
  return `${sizes[0]}–${sizes[sizes.length - 1]} in steps of ${step}`;
}

function checkMemory(d: Record<string, unknown>, at: Path, fargate: boolean, taskMemory: number | undefined, r: Reporter): void {
  const memory = int(d['memory']);
  const reservation = int(d['memoryReservation']);
  for (const [key, v] of [['memory', memory], ['memoryReservation', reservation]] as const) {
    if (v !== undefined && v < MIN_CONTAINER_MEMORY_MIB) {
      r.add([...at, key], `at least ${MIN_CONTAINER_MEMORY_MIB} MiB (Docker 20.10+ reserves 6 MiB per container)`, { found: v });
    }
  }
  if (memory !== undefined && reservation !== undefined && reservation >= memory) {
    r.add([...at, 'memoryReservation'], `less than memory (${memory} MiB)`, { found: reservation });
  }
  if (taskMemory !== undefined && memory !== undefined && memory > taskMemory) {
    r.add([...at, 'memory'], `at most the task memory (${taskMemory} MiB)`, { found: memory });
  }
  if (!fargate && taskMemory === undefined && memory === undefined && reservation === undefined) {
    r.add([...at, 'memory'], 'memory or memoryReservation (the task sets no memory)', { found: undefined });
  }
}

function checkPorts(d: Record<string, unknown>, at: Path, networkMode: string, r: Reporter): void {
  const mappings = d['portMappings'];
  if (!Array.isArray(mappings)) return;
  if (networkMode === 'none' && mappings.length > 0) {
    r.add([...at, 'portMappings'], 'no port mappings (networkMode none has no network)', { foundText: `${mappings.length} port mapping(s)` });
    return;
  }
  mappings.forEach((m, j) => {
    if (!isRecord(m)) return;
    const path: Path = [...at, 'portMappings', j];
    const containerPort = int(m['containerPort']);
    const hostPort = int(m['hostPort']);
    if (m['containerPort'] === undefined && m['containerPortRange'] === undefined) {
      r.add([...path, 'containerPort'], 'a containerPort (or a containerPortRange)', { found: undefined });
    }
    if (containerPort !== undefined && (containerPort < 1 || containerPort > 65535)) {
      r.add([...path, 'containerPort'], 'a port from 1 to 65535', { found: containerPort });
    }
    if (hostPort !== undefined && (hostPort < 0 || hostPort > 65535)) r.add([...path, 'hostPort'], 'a port from 0 to 65535', { found: hostPort });
    else if ((networkMode === 'awsvpc' || networkMode === 'host') && hostPort !== undefined && containerPort !== undefined && hostPort !== containerPort) {
      r.add([...path, 'hostPort'], `no hostPort, or the containerPort (${containerPort}), with networkMode ${networkMode}`, { found: hostPort });
    }
  });
}

const HEALTH_RANGES = [
  ['interval', 5, 300],
  ['timeout', 2, 60],
  ['retries', 1, 10],
  ['startPeriod', 0, 300],
] as const;

function checkHealthCheck(d: Record<string, unknown>, at: Path, r: Reporter): void {
  const hc = d['healthCheck'];
  if (!isRecord(hc)) return;
  const path: Path = [...at, 'healthCheck'];
  const command = hc['command'];
  if (Array.isArray(command)) {
    const first: unknown = command[0];
    if (command.length === 0) r.add([...path, 'command'], 'a command starting with CMD, CMD-SHELL or NONE', { foundText: 'an empty list' });
    else if (first !== 'CMD' && first !== 'CMD-SHELL' && first !== 'NONE') {
      r.add([...path, 'command', 0], 'CMD, CMD-SHELL or NONE as the first element', {
        found: first,
        suggestion: `e.g. ["CMD-SHELL", ${JSON.stringify(command.join(' '))}]`,
      });
    }
  }
  for (const [key, min, max] of HEALTH_RANGES) {
    const v = int(hc[key]);
    if (v !== undefined && (v < min || v > max)) r.add([...path, key], `between ${min} and ${max}`, { found: v });
  }
}

function checkDependsOn(d: Record<string, unknown>, at: Path, essentialByName: ReadonlyMap<string, boolean>, r: Reporter): void {
  const deps = d['dependsOn'];
  if (!Array.isArray(deps)) return;
  deps.forEach((dep, j) => {
    if (!isRecord(dep)) return;
    const name = str(dep['containerName']);
    const condition = str(dep['condition']);
    const path: Path = [...at, 'dependsOn', j];
    if (name === undefined) return;
    if (!essentialByName.has(name)) {
      r.add([...path, 'containerName'], `a container of this task: ${[...essentialByName.keys()].join(', ')}`, { found: name });
    } else if (name === d['name']) {
      r.add([...path, 'containerName'], 'another container (a container cannot depend on itself)', { found: name });
    } else if ((condition === 'COMPLETE' || condition === 'SUCCESS') && essentialByName.get(name) === true) {
      r.add([...path, 'condition'], `START or HEALTHY (${condition} is not allowed on an essential container; "${name}" is essential)`, {
        found: condition,
        suggestion: `set essential: false on "${name}" if it is meant to exit`,
      });
    }
  });
}
