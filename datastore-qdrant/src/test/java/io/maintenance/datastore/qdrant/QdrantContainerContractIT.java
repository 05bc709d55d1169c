package io.maintenance.datastore.qdrant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The TCK datastore contract against a real Qdrant; runs wherever a Docker engine is available. */
@Testcontainers
class QdrantContainerContractIT extends QdrantContract {
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
  protected QdrantFixture fixture() {
    return fixture;
  }
}
