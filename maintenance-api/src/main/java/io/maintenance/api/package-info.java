/**
 * The API a host service uses: the {@link io.maintenance.api.Maintenance} facade, its request and result
 * records, {@link io.maintenance.api.ErrorCode} and {@link io.maintenance.api.MaintenanceException}.
 *
 * <p>Promised: within a major version no public type or member here is removed or changed incompatibly (the
 * build compares it with the recorded baseline); new members, records' new components through new
 * constructors, and new enum constants may be added, so switch over an enum with a default branch. Error
 * code names are stable. Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package io.maintenance.api;

import org.jspecify.annotations.NullMarked;
