package io.maintenance.datastore.qdrant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The scenarios against the real single-node Qdrant of {@code scripts/services/qdrant.sh}. */
class QdrantServerScenariosIT extends QdrantScenarios {
  private static QdrantFixture fixture;

  @BeforeAll
  static void connect() {
    fixture = QdrantServers.single().fixture();
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
