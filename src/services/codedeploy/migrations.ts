// CodeDeploy tables: applications, custom deployment configurations, deployment groups and deployments (bodies kept as JSON).
import type { Migration } from '../../store/db.ts';
import { hookMigrations } from './hooks.ts';

export const codedeployMigrations: readonly Migration[] = [
  {
    id: 'codedeploy/001-registry',
    sql: `CREATE TABLE codedeploy_applications (
      name TEXT PRIMARY KEY,
      id TEXT NOT NULL,
      compute_platform TEXT NOT NULL,
      create_time INTEGER NOT NULL,
      tags TEXT NOT NULL
    );
    CREATE TABLE codedeploy_deployment_configs (
      name TEXT PRIMARY KEY,
      id TEXT NOT NULL,
      compute_platform TEXT NOT NULL,
      create_time INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE TABLE codedeploy_deployment_groups (
      application_name TEXT NOT NULL,
      name TEXT NOT NULL,
      id TEXT NOT NULL,
      body TEXT NOT NULL,
      PRIMARY KEY (application_name, name)
    );
    CREATE TABLE codedeploy_deployments (
      id TEXT PRIMARY KEY,
      application_name TEXT NOT NULL,
      group_name TEXT NOT NULL,
      status TEXT NOT NULL,
      create_time INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX codedeploy_deployments_group ON codedeploy_deployments(application_name, group_name, create_time);`,
  },
  ...hookMigrations,
];
