/**
 * The engine's implementation (schedules). Not promised: may change in any release.
 */
package io.maintenance.core.internal.schedules;
