/**
 * The engine's implementation. Not promised: may change in any release.
 */
package io.maintenance.core.internal;
