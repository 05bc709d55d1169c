-- REKEY rewrites manifest.json (the data keys, wrapped anew): the SHA-256 of the new manifest is
-- recorded here before it is written and moved into manifest_sha256 after, so a crash in between
-- leaves a backup whose stored manifest matches one of the two.
ALTER TABLE maintenance_backups ADD COLUMN manifest_sha256_next text;

-- The REKEY housekeeping task.
ALTER TABLE maintenance_tasks DROP CONSTRAINT maintenance_tasks_type_check;
ALTER TABLE maintenance_tasks ADD CONSTRAINT maintenance_tasks_type_check
  CHECK (type IN ('RETENTION', 'VERIFY', 'REINDEX', 'ORPHAN_SWEEP', 'REKEY'));
