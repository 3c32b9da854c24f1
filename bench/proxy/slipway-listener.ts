// Bench child process: a Slipway ALB listener forwarding to one target group that holds the bench's target.
// Run by proxy.ts through fork(): argv[2] is the target's port; it reports the listener's port over IPC.
import { systemClock } from '../../src/core/clock.ts';
import { TargetGroup, createListener } from '../../src/engines/load-balancer/index.ts';

const targetPort = Number(process.argv[2]);
const targetId = `127.0.0.1:${targetPort}`;
// The longest interval AWS allows (300 s): one probe at registration, none during the measured window.
const group = new TargetGroup({ name: 'bench', clock: systemClock, healthCheck: { path: '/', intervalSeconds: 300, timeoutSeconds: 5 } });
const firstCheck = group.nextCheck(targetId);
group.register([{ id: targetId, host: '127.0.0.1', port: targetPort }]);
const health = await firstCheck;
if (health.state !== 'healthy') {
  console.error(`target ${targetId} is ${health.state} (${health.reason ?? 'no reason'}) after its first health check`);
  process.exit(1);
}
const listener = await createListener({
  host: '127.0.0.1',
  port: 0,
  clock: systemClock,
  defaultAction: { type: 'forward', targetGroups: [{ group, weight: 1 }] },
});
process.send?.({ port: listener.port });
process.on('disconnect', () => {
  void listener.close().finally(() => group.close());
});
