package io.maintenance.datastore.qdrant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The TCK datastore contract against the real single-node Qdrant of {@code scripts/services/qdrant.sh}. */
class QdrantServerContractIT extends QdrantContract {
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
