/**
 * The engine's implementation (backup). Not promised: may change in any release.
 */
package io.maintenance.core.internal.backup;
