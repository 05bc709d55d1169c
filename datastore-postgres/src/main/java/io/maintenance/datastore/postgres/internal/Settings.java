package io.maintenance.datastore.postgres.internal;

import java.time.Duration;

/** The datastore's id and type and what its builder configures, handed to the internals. */
public record Settings(
    String datastoreId, String type, TableSelector selector, Duration lockTimeout, boolean validateRowsOnPlan,
    boolean disableTriggers, boolean reindexConcurrently, int jobs, long splitBytes) {}
