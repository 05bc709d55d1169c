package io.maintenance.datastore.postgres.internal;

import java.time.Duration;

/** What the public builder configures, handed to the internals. */
public record Settings(
    TableSelector selector, Duration lockTimeout, boolean validateRowsOnPlan, boolean disableTriggers,
    boolean reindexConcurrently, int jobs, long splitBytes) {}
