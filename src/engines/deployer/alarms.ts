// CodeDeploy's alarm monitoring: while a deployment runs, an alarm of its configuration going to ALARM stops it.
import { alarmStates } from '../../services/cloudwatch/alarms.ts';
import { isActive } from '../../services/codedeploy/deployment-record.ts';
import { getDeploymentRecord, stopDeployment } from '../../services/codedeploy/lifecycle.ts';
import type { ServiceContext } from '../../services/types.ts';

/**
 * Watches the deployment's alarmConfiguration (enabled, with alarms) until the returned function is called. An alarm
 * already in ALARM when the deployment starts stops it too, as on AWS. Rollback follows autoRollbackConfiguration's
 * DEPLOYMENT_STOP_ON_ALARM (lifecycle.stopDeployment decides).
 */
export function watchAlarms(ctx: ServiceContext, id: string): () => void {
  const config = getDeploymentRecord(ctx, id).alarmConfiguration;
  const names = config?.enabled === true ? (config.alarms ?? []).map((a) => a.name ?? '').filter((n) => n !== '') : [];
  if (names.length === 0) return () => undefined;
  const stop = (alarms: string[]): void => {
    if (!isActive(getDeploymentRecord(ctx, id))) return;
    ctx.log.warn({ deploymentId: id, alarms }, 'alarm in ALARM: stopping the deployment');
    try {
      stopDeployment(ctx, id, 'alarm', { alarms });
    } catch (error) {
      ctx.log.debug({ err: error, deploymentId: id }, 'deployment ended before the alarm could stop it');
    }
  };
  const off = ctx.bus.subscribe(
    (e) => e.type === 'cloudwatch.alarm.state-changed' && e.detail['to'] === 'ALARM' && names.includes(String(e.detail['alarmName'])),
    (e) => stop([String(e.detail['alarmName'])]),
  );
  const states = alarmStates(ctx, names);
  const firing = names.filter((n) => states[n] === 'ALARM');
  if (firing.length > 0) queueMicrotask(() => stop(firing));
  return off;
}
