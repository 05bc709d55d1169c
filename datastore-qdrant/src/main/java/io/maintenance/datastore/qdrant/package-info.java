/**
 * The Qdrant datastore plugin (type {@code qdrant}): {@code QdrantDatastore} with its builder and {@code
 * QdrantDatastoreFactory}. Promised like the SPI; settings in docs/datastore-qdrant.md.
 */
package io.maintenance.datastore.qdrant;
