package io.maintenance.core.internal.operations;

import io.maintenance.core.internal.catalog.Leases;
import java.util.function.Supplier;

/**
 * An operation that passed its checks and holds its lease, ready to run: in the caller's thread (the
 * blocking API) or in the background ({@link Operations#submit}).
 */
public record Job<T>(Leases.Lease lease, Supplier<T> body) {}
