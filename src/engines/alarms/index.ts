// The alarm evaluator: CloudWatch evaluates every metric alarm once a minute; state changes go out as events.
import { everyPeriod } from '../../core/clock.ts';
import { evaluateAlarms } from '../../services/cloudwatch/evaluate.ts';
import type { Engine, EngineContext } from '../types.ts';

const MINUTE_MS = 60_000;
/** After each minute boundary, once the load balancer has flushed the minute that just ended. */
const EVALUATION_OFFSET_MS = 1000;

export function startAlarmEvaluator(engine: EngineContext): Engine {
  const ctx = { ...engine, log: engine.log.child({ component: 'alarms' }) };
  const stopped = new AbortController();
  const running = everyPeriod(ctx.clock, MINUTE_MS, EVALUATION_OFFSET_MS, stopped.signal, () => {
    try {
      for (const change of evaluateAlarms(ctx)) ctx.log.info(change, 'alarm state changed');
    } catch (error) {
      ctx.log.warn({ err: error }, 'alarm evaluation failed');
    }
  });
  return {
    name: 'alarms',
    async health() {
      return { status: 'Healthy', detail: 'evaluating metric alarms every minute' };
    },
    async stop() {
      stopped.abort();
      await running;
    },
  };
}
