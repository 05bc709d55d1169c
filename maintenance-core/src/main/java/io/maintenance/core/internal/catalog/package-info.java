/**
 * The engine's implementation (catalog). Not promised: may change in any release.
 */
package io.maintenance.core.internal.catalog;
