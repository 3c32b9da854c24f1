// SNS's registry (Query protocol, API 2010-03-31): standard topics with HTTP/HTTPS subscriptions, enough for notifications.
// Not yet: FIFO topics, other protocols (email, sqs, lambda, sms), filter policies, raw delivery, tags, data protection.
import { op, type ServiceDefinition } from '../types.ts';
import { publish } from './publish.ts';
import { snsMigrations } from './schema.ts';
import { confirmSubscription, listSubscriptions, listSubscriptionsByTopic, subscribe, unsubscribe } from './subscriptions.ts';
import { createTopic, deleteTopic, getTopicAttributes, listTopics, setTopicAttributes } from './topics.ts';

export { publishToTopic, type PublishRequest } from './publish.ts';
export { confirmSubscription, unsubscribe } from './subscriptions.ts';
export { topicNameOf } from './common.ts';
export {
  attemptsOf,
  deliveryStatusRecord,
  DELIVERY_ATTEMPTED,
  DELIVERY_CANCELLED,
  DELIVERY_RETENTION_MS,
  DELIVERY_QUEUED,
  findDelivery,
  httpRequestFor,
  pendingDeliveries,
  purgeDeliveries,
  recordAttempt,
  SNS_URL_PATH,
  type AttemptOutcome,
  type Delivery,
} from './deliveries.ts';

export const snsService: ServiceDefinition = {
  name: 'sns',
  model: 'sns.2010-03-31',
  protocol: 'query',
  signingName: 'sns',
  xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
  migrations: snsMigrations,
  operations: {
    CreateTopic: op(createTopic),
    DeleteTopic: op(deleteTopic),
    ListTopics: op(listTopics),
    GetTopicAttributes: op(getTopicAttributes),
    SetTopicAttributes: op(setTopicAttributes),
    Subscribe: op(subscribe),
    ConfirmSubscription: op(confirmSubscription),
    Unsubscribe: op(unsubscribe),
    ListSubscriptions: op(listSubscriptions),
    ListSubscriptionsByTopic: op(listSubscriptionsByTopic),
    Publish: op(publish),
  },
};
