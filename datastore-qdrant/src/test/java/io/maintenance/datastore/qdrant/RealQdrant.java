package io.maintenance.datastore.qdrant;

import java.net.URI;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A real Qdrant in Docker for the Testcontainers tests. The image defaults to the release the service
 * script's tests run against; set {@code -Dqdrant.image=qdrant/qdrant:vX.Y.Z} (or {@code QDRANT_IMAGE}) to check
 * the plugin against another Qdrant version.
 */
final class RealQdrant {
  static final String API_KEY = "real-qdrant-test-key";

  private RealQdrant() {}

  static GenericContainer<?> container() {
    String image = System.getProperty("qdrant.image", System.getenv().getOrDefault("QDRANT_IMAGE", "qdrant/qdrant:v1.18.3"));
    return new GenericContainer<>(DockerImageName.parse(image))
        .withEnv("QDRANT__SERVICE__API_KEY", API_KEY)
        .withExposedPorts(6333, 6334)
        .waitingFor(Wait.forHttp("/readyz").forPort(6333));
  }

  static QdrantFixture fixture(GenericContainer<?> c) {
    return new QdrantFixture(URI.create("http://" + c.getHost() + ":" + c.getMappedPort(6333)), c.getHost(),
        c.getMappedPort(6334), API_KEY);
  }
}
