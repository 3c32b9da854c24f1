// ECS tables: clusters, task definition revisions, services with their deployments and events, task sets and tasks.
import type { Migration } from '../../store/db.ts';

export const ecsMigrations: readonly Migration[] = [
  {
    id: 'ecs/001-clusters',
    sql: `CREATE TABLE ecs_clusters (
      name TEXT PRIMARY KEY,
      status TEXT NOT NULL,
      created_at INTEGER NOT NULL
    )`,
  },
  {
    id: 'ecs/002-task-definitions',
    sql: `CREATE TABLE ecs_task_definitions (
      family TEXT NOT NULL,
      revision INTEGER NOT NULL,
      status TEXT NOT NULL,
      body TEXT NOT NULL,
      tags TEXT NOT NULL,
      registered_at INTEGER NOT NULL,
      registered_by TEXT,
      deregistered_at INTEGER,
      PRIMARY KEY (family, revision)
    )`,
  },
  {
    id: 'ecs/003-services',
    sql: `CREATE TABLE ecs_services (
      arn TEXT PRIMARY KEY,
      cluster TEXT NOT NULL,
      name TEXT NOT NULL,
      status TEXT NOT NULL,
      controller TEXT NOT NULL,
      task_definition TEXT,
      desired_count INTEGER NOT NULL,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      steady INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ecs_services_cluster ON ecs_services(cluster, name);
    CREATE TABLE ecs_deployments (
      id TEXT PRIMARY KEY,
      service_arn TEXT NOT NULL,
      status TEXT NOT NULL,
      task_definition TEXT NOT NULL,
      rollout_state TEXT NOT NULL,
      rollout_reason TEXT NOT NULL,
      failed_tasks INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX ecs_deployments_service ON ecs_deployments(service_arn);
    CREATE TABLE ecs_service_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      service_arn TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      message TEXT NOT NULL
    );
    CREATE INDEX ecs_service_events_service ON ecs_service_events(service_arn);
    CREATE TABLE ecs_task_sets (
      id TEXT PRIMARY KEY,
      arn TEXT NOT NULL,
      service_arn TEXT NOT NULL,
      status TEXT NOT NULL,
      task_definition TEXT NOT NULL,
      scale_value REAL NOT NULL,
      external_id TEXT,
      started_by TEXT,
      body TEXT NOT NULL,
      stability_status TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ecs_task_sets_service ON ecs_task_sets(service_arn);
    CREATE TABLE ecs_tasks (
      arn TEXT PRIMARY KEY,
      id TEXT NOT NULL,
      cluster TEXT NOT NULL,
      task_definition TEXT NOT NULL,
      grp TEXT NOT NULL,
      started_by TEXT,
      service_arn TEXT,
      deployment_id TEXT,
      task_set_id TEXT,
      last_status TEXT NOT NULL,
      desired_status TEXT NOT NULL,
      health_status TEXT NOT NULL,
      stopped_reason TEXT,
      stop_code TEXT,
      address TEXT,
      containers TEXT NOT NULL,
      body TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      stopping_at INTEGER,
      stopped_at INTEGER,
      version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX ecs_tasks_cluster ON ecs_tasks(cluster, last_status);
    CREATE INDEX ecs_tasks_service ON ecs_tasks(service_arn);`,
  },
];
