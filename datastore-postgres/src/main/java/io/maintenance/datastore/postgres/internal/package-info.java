/**
 * The PostgreSQL plugin's implementation. Not promised: may change in any release.
 */
package io.maintenance.datastore.postgres.internal;
