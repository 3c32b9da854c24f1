// ELBv2 tables: load balancers, target groups and their targets (health written by the engine), listeners, rules, tags, metrics.
import type { Migration } from '../../store/db.ts';

export const elbv2Migrations: readonly Migration[] = [
  {
    id: 'elbv2/001-load-balancing',
    sql: `CREATE TABLE elbv2_load_balancers (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      type TEXT NOT NULL,
      scheme TEXT NOT NULL,
      ip_address_type TEXT NOT NULL,
      dns_name TEXT NOT NULL,
      state TEXT NOT NULL,
      state_reason TEXT,
      security_groups TEXT NOT NULL,
      subnets TEXT NOT NULL,
      attributes TEXT NOT NULL,
      created INTEGER NOT NULL
    );
    CREATE TABLE elbv2_target_groups (
      arn TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      protocol TEXT NOT NULL,
      protocol_version TEXT,
      port INTEGER NOT NULL,
      vpc_id TEXT NOT NULL,
      target_type TEXT NOT NULL,
      ip_address_type TEXT NOT NULL,
      health_check TEXT NOT NULL,
      attributes TEXT NOT NULL,
      created INTEGER NOT NULL
    );
    CREATE TABLE elbv2_targets (
      target_group_arn TEXT NOT NULL REFERENCES elbv2_target_groups(arn) ON DELETE CASCADE,
      id TEXT NOT NULL,
      port INTEGER NOT NULL,
      state TEXT NOT NULL,
      reason TEXT,
      description TEXT,
      registered INTEGER NOT NULL,
      deregistered INTEGER,
      PRIMARY KEY (target_group_arn, id, port)
    );
    CREATE TABLE elbv2_listeners (
      arn TEXT PRIMARY KEY,
      load_balancer_arn TEXT NOT NULL REFERENCES elbv2_load_balancers(arn) ON DELETE CASCADE,
      port INTEGER NOT NULL,
      protocol TEXT NOT NULL,
      default_actions TEXT NOT NULL,
      default_rule_arn TEXT NOT NULL,
      status TEXT NOT NULL,
      status_reason TEXT,
      created INTEGER NOT NULL,
      UNIQUE (load_balancer_arn, port)
    );
    CREATE TABLE elbv2_rules (
      arn TEXT PRIMARY KEY,
      listener_arn TEXT NOT NULL REFERENCES elbv2_listeners(arn) ON DELETE CASCADE,
      priority INTEGER NOT NULL,
      conditions TEXT NOT NULL,
      actions TEXT NOT NULL,
      created INTEGER NOT NULL,
      UNIQUE (listener_arn, priority)
    );
    CREATE TABLE elbv2_tags (
      resource_arn TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (resource_arn, key)
    );
    CREATE TABLE elbv2_target_group_metrics (
      target_group_arn TEXT NOT NULL,
      minute INTEGER NOT NULL,
      request_count INTEGER NOT NULL DEFAULT 0,
      target_2xx INTEGER NOT NULL DEFAULT 0,
      target_3xx INTEGER NOT NULL DEFAULT 0,
      target_4xx INTEGER NOT NULL DEFAULT 0,
      target_5xx INTEGER NOT NULL DEFAULT 0,
      elb_5xx INTEGER NOT NULL DEFAULT 0,
      response_time_sum REAL NOT NULL DEFAULT 0,
      response_time_count INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (target_group_arn, minute)
    );`,
  },
];
