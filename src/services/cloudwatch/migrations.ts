// CloudWatch tables: metric alarms (definition as JSON plus state) and raw metric datapoints.
import type { Migration } from '../../store/db.ts';

export const cloudwatchMigrations: readonly Migration[] = [
  {
    id: 'cloudwatch/001-alarms-and-metrics',
    sql: `CREATE TABLE cloudwatch_alarms (
      name TEXT PRIMARY KEY,
      body TEXT NOT NULL,
      state_value TEXT NOT NULL,
      state_reason TEXT NOT NULL,
      state_reason_data TEXT,
      state_updated INTEGER NOT NULL,
      state_transitioned INTEGER NOT NULL,
      config_updated INTEGER NOT NULL
    );
    CREATE TABLE cloudwatch_datapoints (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      namespace TEXT NOT NULL,
      metric_name TEXT NOT NULL,
      dimensions TEXT NOT NULL,
      time INTEGER NOT NULL,
      sample_count REAL NOT NULL,
      sum REAL NOT NULL,
      minimum REAL NOT NULL,
      maximum REAL NOT NULL,
      unit TEXT
    );
    CREATE INDEX cloudwatch_datapoints_metric ON cloudwatch_datapoints(namespace, metric_name, dimensions, time);`,
  },
];
