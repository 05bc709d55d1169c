package io.maintenance.datastore.qdrant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The scenarios against a real Qdrant; runs wherever a Docker engine is available. */
@Testcontainers
class QdrantContainerScenariosIT extends QdrantScenarios {
  /** The container reaches the presigning storage through Testcontainers' host port forwarding. */
  private static final int STORAGE_PORT = freePort();

  static {
    if (org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
      org.testcontainers.Testcontainers.exposeHostPorts(STORAGE_PORT);
    }
  }

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

  @Override
  protected PresigningStorage presigning(io.maintenance.spi.ArtifactSource stored, java.util.function.Consumer<byte[]> alter)
      throws java.io.IOException {
    return new PresigningStorage(stored, alter, "host.testcontainers.internal", STORAGE_PORT);
  }

  private static int freePort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
