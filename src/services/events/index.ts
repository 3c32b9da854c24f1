// EventBridge's registry (JSON 1.1, prefix AWSEvents): rules with event patterns on the default bus, SNS topic targets.
// Not yet: custom buses, scheduled rules, archives/replays, API destinations, targets other than SNS topics.
import { op, type ServiceDefinition } from '../types.ts';
import { putEvents, testEventPattern } from './put-events.ts';
import { deleteRule, describeRule, disableRule, enableRule, eventsMigrations, listRules, putRule } from './rules.ts';
import { listTargetsByRule, putTargets, removeTargets } from './targets.ts';

export { envelope, routeEvent, type EventEnvelope } from './put-events.ts';
export { matches, parsePattern } from './pattern.ts';

export const eventsService: ServiceDefinition = {
  name: 'events',
  model: 'events.2015-10-07',
  protocol: 'json',
  targetPrefix: 'AWSEvents',
  jsonVersion: '1.1',
  signingName: 'events',
  migrations: eventsMigrations,
  operations: {
    PutRule: op(putRule),
    DescribeRule: op(describeRule),
    ListRules: op(listRules),
    DeleteRule: op(deleteRule),
    EnableRule: op(enableRule),
    DisableRule: op(disableRule),
    PutTargets: op(putTargets),
    RemoveTargets: op(removeTargets),
    ListTargetsByRule: op(listTargetsByRule),
    PutEvents: op(putEvents),
    TestEventPattern: op(testEventPattern),
  },
};
