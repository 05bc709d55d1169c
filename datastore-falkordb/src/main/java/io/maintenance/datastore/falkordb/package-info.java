/**
 * The FalkorDB datastore plugin (type {@code falkordb}): {@code FalkorDbDatastore} with its builder and
 * {@code FalkorDbDatastoreFactory}. Promised like the SPI; settings in docs/datastore-falkordb.md.
 */
package io.maintenance.datastore.falkordb;
