// Component health as the daemon reports it over /_slipway/status; the CLI prints the same words.

export type HealthStatus = 'Healthy' | 'Unhealthy' | 'Starting' | 'Stopped';

export interface ComponentHealth {
  readonly name: string;
  readonly status: HealthStatus;
  readonly detail: string;
}

export interface DaemonStatus {
  readonly version: string;
  readonly pid: number;
  readonly endpoint: string;
  readonly dataDir: string;
  readonly accountId: string;
  readonly region: string;
  readonly startedAt: string;
  readonly uptimeSeconds: number;
  readonly components: readonly ComponentHealth[];
}

/** A component that can say how it is. */
export interface HealthCheck {
  readonly name: string;
  check(): Promise<{ status: HealthStatus; detail: string }>;
}

export async function checkAll(checks: readonly HealthCheck[]): Promise<ComponentHealth[]> {
  return Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, ...(await c.check()) };
      } catch (error) {
        return { name: c.name, status: 'Unhealthy' as const, detail: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}
