/**
 * The Qdrant plugin's implementation. Not promised: may change in any release.
 */
package io.maintenance.datastore.qdrant.internal;
