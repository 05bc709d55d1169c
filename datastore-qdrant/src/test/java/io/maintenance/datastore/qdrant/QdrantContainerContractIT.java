package io.maintenance.datastore.qdrant;

import io.maintenance.spi.Datastore;
import io.maintenance.tck.DatastoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The TCK datastore contract against a real Qdrant; runs wherever a Docker engine is available. */
@Testcontainers(disabledWithoutDocker = true)
class QdrantContainerContractIT extends DatastoreContract {
  @Container
  private static final GenericContainer<?> QDRANT = RealQdrant.container();
  private static QdrantFixture fixture;

  @BeforeAll
  static void connect() {
    fixture = RealQdrant.fixture(QDRANT);
  }

  @AfterAll
  static void disconnect() {
    fixture.close();
  }

  @Override
  protected Datastore createDatastore() {
    return fixture.datastore("vectors").build();
  }

  @Override
  protected void seed() throws Exception {
    fixture.seed();
  }

  @Override
  protected void mutate() throws Exception {
    fixture.mutate();
  }

  @Override
  protected String liveData() throws Exception {
    return fixture.liveData();
  }
}
