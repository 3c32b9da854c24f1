// ECR's tables: repositories, manifests, tags, per-repository blob links, upload sessions and login tokens.
import type { Migration } from '../../store/db.ts';

export const ecrMigrations: readonly Migration[] = [
  {
    id: 'ecr/001-registry',
    sql: `CREATE TABLE ecr_repositories (
      name TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      tag_mutability TEXT NOT NULL,
      scan_on_push INTEGER NOT NULL,
      encryption_type TEXT NOT NULL,
      kms_key TEXT,
      tags TEXT NOT NULL,
      lifecycle_policy TEXT,
      lifecycle_evaluated_at INTEGER
    );
    -- Manifest bytes are small (the spec caps them at 4 MiB) and are kept exactly as pushed.
    CREATE TABLE ecr_manifests (
      repo TEXT NOT NULL REFERENCES ecr_repositories(name) ON DELETE CASCADE,
      digest TEXT NOT NULL,
      media_type TEXT NOT NULL,
      artifact_type TEXT,
      subject TEXT,
      size INTEGER NOT NULL,
      body BLOB NOT NULL,
      pushed_at INTEGER NOT NULL,
      PRIMARY KEY (repo, digest)
    );
    CREATE INDEX ecr_manifests_subject ON ecr_manifests(repo, subject);
    CREATE TABLE ecr_tags (
      repo TEXT NOT NULL,
      tag TEXT NOT NULL,
      digest TEXT NOT NULL,
      PRIMARY KEY (repo, tag),
      FOREIGN KEY (repo, digest) REFERENCES ecr_manifests(repo, digest) ON DELETE CASCADE
    );
    CREATE INDEX ecr_tags_digest ON ecr_tags(repo, digest);
    -- What a manifest points at: blobs (config, layers) and child manifests (index entries).
    CREATE TABLE ecr_manifest_refs (
      repo TEXT NOT NULL,
      digest TEXT NOT NULL,
      child TEXT NOT NULL,
      kind TEXT NOT NULL,
      PRIMARY KEY (repo, digest, child),
      FOREIGN KEY (repo, digest) REFERENCES ecr_manifests(repo, digest) ON DELETE CASCADE
    );
    CREATE INDEX ecr_manifest_refs_child ON ecr_manifest_refs(child);
    -- A repository may read only blobs linked to it (uploaded into it or mounted from another).
    CREATE TABLE ecr_blob_links (
      repo TEXT NOT NULL REFERENCES ecr_repositories(name) ON DELETE CASCADE,
      digest TEXT NOT NULL,
      size INTEGER NOT NULL,
      linked_at INTEGER NOT NULL,
      PRIMARY KEY (repo, digest)
    );
    CREATE INDEX ecr_blob_links_digest ON ecr_blob_links(digest);
    CREATE TABLE ecr_uploads (
      id TEXT PRIMARY KEY,
      repo TEXT NOT NULL REFERENCES ecr_repositories(name) ON DELETE CASCADE,
      started_at INTEGER NOT NULL
    );
    -- Only hashes of registry passwords are kept, so a copy of the store gives no login.
    CREATE TABLE ecr_tokens (
      hash TEXT PRIMARY KEY,
      expires_at INTEGER NOT NULL
    );`,
  },
];
