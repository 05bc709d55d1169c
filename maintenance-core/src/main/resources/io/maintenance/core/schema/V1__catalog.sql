-- Maintenance catalog, version 1. Applied by the engine's schema installer under an advisory lock;
-- hosts that manage schemas with Flyway or Liquibase can apply this file instead (same name scheme).

CREATE TABLE maintenance_backups (
  id               text        PRIMARY KEY,
  status           text        NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED', 'DELETING')),
  type             text        NOT NULL CHECK (type IN ('FULL', 'INCREMENTAL')),
  -- Incremental backups reuse artifacts of their parent, so a parent cannot go while a child exists.
  parent_id        text        REFERENCES maintenance_backups (id),
  datastores       text[]      NOT NULL,
  storage_provider text        NOT NULL,
  storage_prefix   text        NOT NULL,
  requested_by     text        NOT NULL,
  owner            text        NOT NULL,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  manifest_sha256  text,
  total_bytes      bigint      NOT NULL DEFAULT 0,
  artifact_count   integer     NOT NULL DEFAULT 0,
  pinned           boolean     NOT NULL DEFAULT false,
  labels           jsonb       NOT NULL DEFAULT '{}',
  error_code       text,
  error_message    text,
  -- A backup is never SUCCEEDED without a complete, verifiable manifest.
  CONSTRAINT maintenance_backups_succeeded_has_manifest CHECK (status <> 'SUCCEEDED' OR manifest_sha256 IS NOT NULL)
);
CREATE INDEX maintenance_backups_listing ON maintenance_backups (started_at DESC, id DESC);
CREATE INDEX maintenance_backups_status ON maintenance_backups (status, started_at DESC);

CREATE TABLE maintenance_restore_requests (
  id                 text        PRIMARY KEY,
  backup_id          text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('PREVIEWED', 'APPLYING', 'APPLIED', 'FAILED', 'EXPIRED')),
  requested_by       text        NOT NULL,
  datastores         text[]      NOT NULL,
  options            jsonb       NOT NULL,
  safety_backup      boolean     NOT NULL,
  -- Only the SHA-256 of the token is kept; the token itself is shown once, in the preview.
  token_hash         text        NOT NULL UNIQUE,
  plan               jsonb       NOT NULL,
  plan_sha256        text        NOT NULL,
  manifest_sha256    text        NOT NULL,
  target_fingerprint jsonb       NOT NULL,
  approvals_required integer     NOT NULL,
  created_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  consumed_at        timestamptz,
  consumed_by        text,
  finished_at        timestamptz,
  safety_backup_id   text,
  applied            jsonb       NOT NULL DEFAULT '[]',
  error_code         text,
  error_message      text
);
CREATE INDEX maintenance_restore_requests_status ON maintenance_restore_requests (status, expires_at);

CREATE TABLE maintenance_restore_approvals (
  request_id  text        NOT NULL REFERENCES maintenance_restore_requests (id) ON DELETE CASCADE,
  approver    text        NOT NULL,
  comment     text        NOT NULL DEFAULT '',
  approved_at timestamptz NOT NULL,
  PRIMARY KEY (request_id, approver)
);

-- Append-only; every row carries the hash of the previous one, so edits and deletions are detectable.
CREATE TABLE maintenance_audit_log (
  seq         bigint      PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  actor       text        NOT NULL,
  action      text        NOT NULL,
  outcome     text        NOT NULL,
  target      text        NOT NULL,
  details     jsonb       NOT NULL,
  prev_hash   text        NOT NULL,
  hash        text        NOT NULL
);

CREATE FUNCTION maintenance_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'maintenance_audit_log is append-only';
END;
$$;

CREATE TRIGGER maintenance_audit_log_append_only
  BEFORE UPDATE OR DELETE ON maintenance_audit_log
  FOR EACH ROW EXECUTE FUNCTION maintenance_audit_log_append_only();

CREATE TABLE maintenance_tasks (
  id            text        PRIMARY KEY,
  type          text        NOT NULL CHECK (type IN ('RETENTION', 'VERIFY', 'REINDEX', 'ORPHAN_SWEEP')),
  status        text        NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
  dry_run       boolean     NOT NULL,
  requested_by  text        NOT NULL,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  items         jsonb       NOT NULL DEFAULT '[]',
  error_code    text,
  error_message text
);
CREATE INDEX maintenance_tasks_started ON maintenance_tasks (started_at DESC);

-- Uploads in progress, persisted before data is sent, so another process can resume them and the
-- orphan sweep can abort the ones nobody will finish. Rows go when their upload completes or aborts.
CREATE TABLE maintenance_upload_sessions (
  session_id      text        PRIMARY KEY,
  provider        text        NOT NULL,
  object_key      text        NOT NULL,
  backup_id       text,
  owner           text        NOT NULL,
  state           jsonb       NOT NULL,
  committed_bytes bigint      NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
