/**
 * The engine's implementation (restore). Not promised: may change in any release.
 */
package io.maintenance.core.internal.restore;
