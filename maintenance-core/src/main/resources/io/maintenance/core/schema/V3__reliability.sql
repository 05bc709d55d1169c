-- Leases, outcome reconciliation, corrupt backups and storage ownership.

-- Every running operation holds a lease row, renewed by a heartbeat (catalog time). An exclusive lease
-- (backup, delete, restore apply, retention, orphan sweep, recovery) is also the operation lock: at most
-- one can be RUNNING. A lease whose expires_at has passed belongs to an owner that is provably gone (it
-- stops on its own before that moment), so its rows may be settled and the lease taken over.
CREATE TABLE maintenance_operations (
  id           text        PRIMARY KEY,
  kind         text        NOT NULL,
  target       text        NOT NULL,
  owner        text        NOT NULL,
  requested_by text        NOT NULL,
  exclusive    boolean     NOT NULL,
  status       text        NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'EXPIRED')),
  started_at   timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  finished_at  timestamptz
);
CREATE UNIQUE INDEX maintenance_operations_one_exclusive ON maintenance_operations ((true))
  WHERE status = 'RUNNING' AND exclusive;
CREATE INDEX maintenance_operations_running ON maintenance_operations (status, expires_at) WHERE status = 'RUNNING';
CREATE INDEX maintenance_operations_started ON maintenance_operations (started_at DESC);

-- Which lease wrote a row: the sweep and start-up recovery settle only rows whose lease is gone.
ALTER TABLE maintenance_backups ADD COLUMN lease_id text;
ALTER TABLE maintenance_backups ADD COLUMN verified_at timestamptz;
ALTER TABLE maintenance_backups DROP CONSTRAINT maintenance_backups_status_check;
ALTER TABLE maintenance_backups ADD CONSTRAINT maintenance_backups_status_check
  CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'ABANDONED', 'DELETING', 'CORRUPT'));
ALTER TABLE maintenance_backups DROP CONSTRAINT maintenance_backups_succeeded_has_manifest;
ALTER TABLE maintenance_backups ADD CONSTRAINT maintenance_backups_succeeded_has_manifest
  CHECK (status NOT IN ('SUCCEEDED', 'CORRUPT') OR manifest_sha256 IS NOT NULL);

ALTER TABLE maintenance_tasks ADD COLUMN lease_id text;

-- apply_state: per datastore, 'applying' (restore called) or 'applied' (restore returned), so that a
-- restore whose process died can be reconciled with what the datastore really holds.
-- artifact_versions: per datastore and artifact, the storage version the preview verified; confirm
-- reads exactly those versions.
ALTER TABLE maintenance_restore_requests ADD COLUMN lease_id text;
ALTER TABLE maintenance_restore_requests ADD COLUMN apply_state jsonb NOT NULL DEFAULT '{}';
ALTER TABLE maintenance_restore_requests ADD COLUMN artifact_versions jsonb NOT NULL DEFAULT '{}';

-- This catalog's mark on what it writes to storage (owner.json in each backup folder): the orphan
-- sweep deletes only folders that carry it, so deployments sharing a bucket and prefix keep each other's.
CREATE TABLE maintenance_deployment (
  id         text        PRIMARY KEY,
  created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX maintenance_deployment_single ON maintenance_deployment ((true));
INSERT INTO maintenance_deployment (id, created_at)
  VALUES ('dp-' || substr(md5(random()::text || clock_timestamp()::text), 1, 16), clock_timestamp());
