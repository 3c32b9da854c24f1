// The deployment-configuration math an engine follows: when, counted from the start of AllowTraffic, green gets which share.
import type { TrafficRoutingConfig } from '@aws-sdk/client-codedeploy';

export interface TrafficStep {
  /** Minutes after AllowTraffic starts. */
  readonly afterMinutes: number;
  /** The share of production traffic on the replacement (green) task set from then on, 0–100. */
  readonly greenPercent: number;
}

/**
 * AllAtOnce: one step to 100. Canary: the canary share at once, the rest after one interval. Linear: the same share
 * at once and again after every interval until 100 (the last step may be smaller, e.g. 30/60/90/100).
 */
export function trafficSchedule(config: TrafficRoutingConfig | undefined): TrafficStep[] {
  switch (config?.type) {
    case 'TimeBasedCanary': {
      const percent = config.timeBasedCanary?.canaryPercentage ?? 0;
      const interval = config.timeBasedCanary?.canaryInterval ?? 0;
      return [
        { afterMinutes: 0, greenPercent: percent },
        { afterMinutes: interval, greenPercent: 100 },
      ];
    }
    case 'TimeBasedLinear': {
      const percent = config.timeBasedLinear?.linearPercentage ?? 0;
      const interval = config.timeBasedLinear?.linearInterval ?? 0;
      if (percent <= 0) throw new RangeError(`linearPercentage ${percent}: expected a share from 1 to 99`);
      const steps: TrafficStep[] = [];
      for (let k = 1; ; k++) {
        const green = Math.min(100, k * percent);
        steps.push({ afterMinutes: (k - 1) * interval, greenPercent: green });
        if (green >= 100) return steps;
      }
    }
    default:
      return [{ afterMinutes: 0, greenPercent: 100 }];
  }
}
