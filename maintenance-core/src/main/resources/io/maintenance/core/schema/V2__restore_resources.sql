-- The resources (tables, graphs, collections) a restore selected, per datastore id; {} means all.
ALTER TABLE maintenance_restore_requests ADD COLUMN resources jsonb NOT NULL DEFAULT '{}';
