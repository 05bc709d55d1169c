-- Restore drills: one row per datastore a DRILL task checked. A row without an outcome is a drill that runs
-- now (its operation's lease says whether it still lives): at most one per datastore, so two drills never
-- write the same sandbox at once.
ALTER TABLE maintenance_tasks DROP CONSTRAINT maintenance_tasks_type_check;
ALTER TABLE maintenance_tasks ADD CONSTRAINT maintenance_tasks_type_check
  CHECK (type IN ('RETENTION', 'VERIFY', 'REINDEX', 'ORPHAN_SWEEP', 'REKEY', 'DRILL'));

CREATE TABLE maintenance_drills (
  task_id       text        NOT NULL,
  datastore     text        NOT NULL,
  operation_id  text        NOT NULL,
  backup_id     text,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  outcome       text        CHECK (outcome IN ('PASSED', 'FAILED', 'ABANDONED')),
  error_code    text,
  error_message text,
  resources     jsonb,
  PRIMARY KEY (task_id, datastore)
);
CREATE UNIQUE INDEX maintenance_drills_running ON maintenance_drills (datastore) WHERE outcome IS NULL;
CREATE INDEX maintenance_drills_passed ON maintenance_drills (datastore, finished_at DESC) WHERE outcome = 'PASSED';
