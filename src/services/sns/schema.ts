// SNS's tables: topics, subscriptions, and the durable HTTP delivery queue with every attempt it made.
import type { Migration } from '../../store/db.ts';

export const snsMigrations: readonly Migration[] = [
  {
    id: 'sns/001-topics-subscriptions-deliveries',
    sql: `CREATE TABLE sns_topics (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      attributes TEXT NOT NULL,
      created INTEGER NOT NULL
    );
    CREATE TABLE sns_subscriptions (
      arn TEXT PRIMARY KEY,
      topic_arn TEXT NOT NULL,
      protocol TEXT NOT NULL,
      endpoint TEXT NOT NULL,
      status TEXT NOT NULL,
      token TEXT NOT NULL,
      attributes TEXT NOT NULL,
      created INTEGER NOT NULL
    );
    CREATE INDEX sns_subscriptions_topic ON sns_subscriptions(topic_arn);
    CREATE TABLE sns_deliveries (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      message_id TEXT NOT NULL,
      type TEXT NOT NULL,
      topic_arn TEXT NOT NULL,
      subscription_arn TEXT NOT NULL,
      endpoint TEXT NOT NULL,
      message TEXT NOT NULL,
      subject TEXT,
      message_attributes TEXT NOT NULL,
      token TEXT,
      published INTEGER NOT NULL,
      schedule TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt INTEGER NOT NULL,
      updated INTEGER NOT NULL
    );
    CREATE INDEX sns_deliveries_status ON sns_deliveries(status);
    CREATE TABLE sns_delivery_attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      delivery_id INTEGER NOT NULL,
      attempt INTEGER NOT NULL,
      at INTEGER NOT NULL,
      status_code INTEGER,
      response TEXT NOT NULL,
      outcome TEXT NOT NULL
    );
    CREATE INDEX sns_delivery_attempts_delivery ON sns_delivery_attempts(delivery_id);`,
  },
  {
    // Why a delivery ended Failed without its attempts saying so (its subscription or topic was deleted).
    id: 'sns/002-delivery-reason',
    sql: 'ALTER TABLE sns_deliveries ADD COLUMN reason TEXT;',
  },
];
