/**
 * The engine's implementation (metrics). Not promised: may change in any release.
 */
package io.maintenance.core.internal.metrics;
