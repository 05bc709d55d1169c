-- Operations: every lease row of maintenance_operations is an operation (a backup, restore, task, delete or
-- the engine's recovery), with its phase, its progress (written by its process at most once a second),
-- its outcome, and a cancel request that its process reads at its next heartbeat.
ALTER TABLE maintenance_operations ADD COLUMN phase text NOT NULL DEFAULT 'starting';
ALTER TABLE maintenance_operations ADD COLUMN progress jsonb;
ALTER TABLE maintenance_operations ADD COLUMN progress_at timestamptz;
ALTER TABLE maintenance_operations ADD COLUMN outcome text CHECK (outcome IN ('SUCCEEDED', 'FAILED', 'CANCELLED'));
ALTER TABLE maintenance_operations ADD COLUMN error_code text;
ALTER TABLE maintenance_operations ADD COLUMN error_message text;
ALTER TABLE maintenance_operations ADD COLUMN cancel_requested_at timestamptz;
ALTER TABLE maintenance_operations ADD COLUMN cancel_requested_by text;
ALTER TABLE maintenance_operations ADD COLUMN schedule text;
-- A finished operation has an outcome (rows of processes that stopped get FAILED/LEASE_LOST when settled).
UPDATE maintenance_operations SET outcome = 'SUCCEEDED' WHERE status = 'FINISHED';
UPDATE maintenance_operations SET outcome = 'FAILED', error_code = 'LEASE_LOST',
  error_message = 'the process running this operation stopped before it finished' WHERE status = 'EXPIRED';
CREATE INDEX maintenance_operations_listing ON maintenance_operations (started_at DESC, id DESC);

-- Schedules from the configuration (schedules.<name>.*): one row each. A replica fires a schedule by moving
-- next_run_at forward with a conditional UPDATE on the value it read, so exactly one replica wins each firing.
CREATE TABLE maintenance_schedules (
  name              text        PRIMARY KEY,
  definition_sha256 text        NOT NULL,
  next_run_at       timestamptz NOT NULL,
  created_at        timestamptz NOT NULL,
  last_fired_at     timestamptz,
  last_run_at       timestamptz,
  last_operation_id text,
  last_success_at   timestamptz,
  note              text
);
