// CloudWatch Logs' registry: its wire identity and every operation Slipway implements, listed explicitly.
// The subset build and task logs need. Not yet: expiring stored events by retention, tags, metric and subscription
// filters, Logs Insights queries, Live Tail; filter patterns are text-only (see filter-pattern.ts).
import { op, type ServiceDefinition } from '../types.ts';
import { filterLogEvents, getLogEvents, putLogEvents } from './log-events.ts';
import {
  createLogGroup,
  createLogStream,
  deleteLogGroup,
  deleteLogStream,
  deleteRetentionPolicy,
  describeLogGroups,
  describeLogStreams,
  logsMigrations,
  putRetentionPolicy,
} from './log-groups.ts';

export { appendLogEvents, type LogEventInput } from './log-events.ts';

export const logsService: ServiceDefinition = {
  name: 'logs',
  model: 'logs.2014-03-28',
  protocol: 'json',
  jsonVersion: '1.1',
  targetPrefix: 'Logs_20140328',
  signingName: 'logs',
  migrations: logsMigrations,
  operations: {
    CreateLogGroup: op(createLogGroup),
    DescribeLogGroups: op(describeLogGroups),
    DeleteLogGroup: op(deleteLogGroup),
    PutRetentionPolicy: op(putRetentionPolicy),
    DeleteRetentionPolicy: op(deleteRetentionPolicy),
    CreateLogStream: op(createLogStream),
    DeleteLogStream: op(deleteLogStream),
    DescribeLogStreams: op(describeLogStreams),
    PutLogEvents: op(putLogEvents),
    GetLogEvents: op(getLogEvents),
    FilterLogEvents: op(filterLogEvents),
  },
};
