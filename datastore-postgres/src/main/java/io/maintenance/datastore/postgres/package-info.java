/**
 * The PostgreSQL datastore plugin (type {@code postgres}): {@code PostgresDatastore} with its builder and
 * {@code PostgresDatastoreFactory}. Promised like the SPI; settings in docs/datastore-postgres.md.
 */
package io.maintenance.datastore.postgres;
