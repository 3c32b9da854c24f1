// Elastic Load Balancing v2's registry (Query protocol, API version 2015-12-01): load balancers, target groups, listeners, rules.
import type { ServiceDefinition } from '../types.ts';

export const elbv2Service: ServiceDefinition = {
  name: 'elbv2',
  model: 'elbv2.2015-12-01',
  protocol: 'query',
  signingName: 'elasticloadbalancing',
  xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
  operations: {},
};
