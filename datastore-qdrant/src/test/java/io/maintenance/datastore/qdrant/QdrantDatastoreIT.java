package io.maintenance.datastore.qdrant;

import io.maintenance.datastore.qdrant.testing.FakeQdrant;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The TCK datastore contract against the in-JVM Qdrant double (REST + gRPC on loopback ports). */
class QdrantDatastoreIT extends QdrantContract {
  private static FakeQdrant server;
  private static QdrantFixture fixture;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeQdrant.start(Files.createTempDirectory("fake-qdrant"), "contract-key", "1.15.0");
    fixture = new QdrantFixture(server.restUrl(), "127.0.0.1", server.grpcPort(), server.apiKey());
  }

  @AfterAll
  static void stopServer() {
    fixture.close();
    server.close();
  }

  @Override
  protected QdrantFixture fixture() {
    return fixture;
  }
}
