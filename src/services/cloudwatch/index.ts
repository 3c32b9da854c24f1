// CloudWatch's registry (JSON 1.0, as the current SDKs speak it): metric alarms and metric data for CodeDeploy rollbacks.
import { op, type ServiceDefinition } from '../types.ts';
import { deleteAlarms, describeAlarms, putMetricAlarm, setAlarmState } from './alarms.ts';
import { getMetricStatistics, putMetricData } from './metrics.ts';
import { cloudwatchMigrations } from './migrations.ts';

export const cloudwatchService: ServiceDefinition = {
  name: 'cloudwatch',
  model: 'cloudwatch.2010-08-01',
  protocol: 'json',
  jsonVersion: '1.0',
  targetPrefix: 'GraniteServiceVersion20100801',
  signingName: 'monitoring',
  migrations: cloudwatchMigrations,
  operations: {
    PutMetricAlarm: op(putMetricAlarm),
    DescribeAlarms: op(describeAlarms),
    DeleteAlarms: op(deleteAlarms),
    PutMetricData: op(putMetricData),
    GetMetricStatistics: op(getMetricStatistics),
    SetAlarmState: op(setAlarmState),
  },
};
