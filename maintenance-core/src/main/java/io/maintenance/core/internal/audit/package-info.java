/**
 * The engine's implementation (audit). Not promised: may change in any release.
 */
package io.maintenance.core.internal.audit;
