// Secrets Manager's SQLite tables: secrets, their versions, and the staging labels pointing at versions.
import type { Migration } from '../../store/db.ts';

export const secretsmanagerMigrations: readonly Migration[] = [
  {
    id: 'secretsmanager/001-secrets',
    sql: `CREATE TABLE secretsmanager_secrets (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      description TEXT,
      kms_key_id TEXT,
      tags TEXT NOT NULL,
      created INTEGER NOT NULL,
      last_changed INTEGER NOT NULL,
      last_accessed INTEGER,
      deleted_date INTEGER,
      deletion_date INTEGER
    );
    CREATE TABLE secretsmanager_versions (
      secret_arn TEXT NOT NULL REFERENCES secretsmanager_secrets(arn) ON DELETE CASCADE,
      version_id TEXT NOT NULL,
      secret_string TEXT,
      secret_binary BLOB,
      created INTEGER NOT NULL,
      PRIMARY KEY (secret_arn, version_id)
    );
    CREATE TABLE secretsmanager_stages (
      secret_arn TEXT NOT NULL,
      stage TEXT NOT NULL,
      version_id TEXT NOT NULL,
      PRIMARY KEY (secret_arn, stage),
      FOREIGN KEY (secret_arn, version_id) REFERENCES secretsmanager_versions(secret_arn, version_id) ON DELETE CASCADE
    );`,
  },
];
