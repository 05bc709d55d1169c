/**
 * The engine's implementation (artifacts). Not promised: may change in any release.
 */
package io.maintenance.core.internal.artifacts;
