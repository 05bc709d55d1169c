/**
 * The engine: {@code MaintenanceEngine} and its builder, the implementation of {@code
 * io.maintenance.api.Maintenance}. Promised: the builder's methods and the configuration keys of
 * docs/architecture.md and docs/maintenance-core.md.
 */
package io.maintenance.core;
