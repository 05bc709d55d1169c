/**
 * The FalkorDB plugin's implementation. Not promised: may change in any release.
 */
package io.maintenance.datastore.falkordb.internal;
