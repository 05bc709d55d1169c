/**
 * The engine's implementation (housekeeping). Not promised: may change in any release.
 */
package io.maintenance.core.internal.housekeeping;
