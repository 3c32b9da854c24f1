// ECS tables: clusters and task definition revisions (the registered input kept as JSON).
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
];
