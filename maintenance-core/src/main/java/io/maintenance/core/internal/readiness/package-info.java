/**
 * The engine's implementation (readiness). Not promised: may change in any release.
 */
package io.maintenance.core.internal.readiness;
