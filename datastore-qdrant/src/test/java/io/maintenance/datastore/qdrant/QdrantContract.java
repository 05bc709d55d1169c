package io.maintenance.datastore.qdrant;

import io.maintenance.spi.Datastore;
import io.maintenance.tck.DatastoreContract;

/** The TCK datastore contract over a {@link QdrantFixture}; subclasses say which server it talks to. */
abstract class QdrantContract extends DatastoreContract {
  protected abstract QdrantFixture fixture();

  @Override
  protected Datastore createDatastore() {
    return fixture().datastore("vectors").build();
  }

  @Override
  protected void seed() throws Exception {
    fixture().seed();
  }

  @Override
  protected void mutate() throws Exception {
    fixture().mutate();
  }

  @Override
  protected String liveData() throws Exception {
    return fixture().liveData();
  }
}
