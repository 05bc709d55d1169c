/**
 * The engine's implementation (plugins). Not promised: may change in any release.
 */
package io.maintenance.core.internal.plugins;
