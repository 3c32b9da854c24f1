// The ALB data plane as a library: listeners that route HTTP by rules and weights to health-checked target groups.
export { createListener, type Listener, type ListenerOptions } from './listener.ts';
export { TargetGroup, type TargetGroupOptions, type TargetInput, type TargetHealthDescription, type TargetHealthState, type TargetHealthReason } from './target-group.ts';
export { HEALTH_CHECK_DEFAULTS, healthCheckSettings, type HealthCheckSettings } from './health-check.ts';
export { STICKY_COOKIE, type ForwardAction, type Rule, type RuleConditions, type WeightedGroup } from './routing.ts';
export type { MetricsSnapshot } from './metrics.ts';
export { startLoadBalancer } from './engine.ts';
export { createTcpListener, type TcpListener } from './tcp.ts';
