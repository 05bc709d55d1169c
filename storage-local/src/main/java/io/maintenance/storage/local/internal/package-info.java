/**
 * The local plugin's implementation. Not promised: may change in any release.
 */
package io.maintenance.storage.local.internal;
