package io.maintenance.datastore.qdrant;

import static org.assertj.core.api.Assertions.fail;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The real Qdrant servers {@code scripts/services/qdrant.sh} starts, read from the
 * {@code MAINTENANCE_IT_QDRANT_*} variables. A missing variable fails the test: these tests never skip.
 */
final class QdrantServers {
  private QdrantServers() {}

  /** One node: its REST URL and gRPC port. */
  record Node(URI url, int grpcPort) {
    QdrantFixture fixture() {
      return new QdrantFixture(url, url.getHost(), grpcPort, apiKey());
    }
  }

  /** The single node with default settings. */
  static Node single() {
    return new Node(URI.create(env("MAINTENANCE_IT_QDRANT_URL")), Integer.parseInt(env("MAINTENANCE_IT_QDRANT_GRPC_PORT")));
  }

  /** A second single node with default settings, the sandbox of restore drills. */
  static Node sandbox() {
    return new Node(URI.create(env("MAINTENANCE_IT_QDRANT_SANDBOX_URL")),
        Integer.parseInt(env("MAINTENANCE_IT_QDRANT_SANDBOX_GRPC_PORT")));
  }

  /** The single node that keeps its snapshots in S3 and refuses recovery from URLs. */
  static Node s3() {
    return new Node(URI.create(env("MAINTENANCE_IT_QDRANT_S3_URL")), Integer.parseInt(env("MAINTENANCE_IT_QDRANT_S3_GRPC_PORT")));
  }

  /** The three nodes of the cluster. */
  static List<Node> cluster() {
    return nodes("MAINTENANCE_IT_QDRANT_CLUSTER_URLS", "MAINTENANCE_IT_QDRANT_CLUSTER_GRPC_PORTS");
  }

  /** The two nodes of a second cluster that starts empty. */
  static List<Node> freshCluster() {
    return nodes("MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_URLS", "MAINTENANCE_IT_QDRANT_FRESH_CLUSTER_GRPC_PORTS");
  }

  static String apiKey() {
    return env("MAINTENANCE_IT_QDRANT_API_KEY");
  }

  private static List<Node> nodes(String urls, String ports) {
    String[] u = env(urls).split(",");
    String[] p = env(ports).split(",");
    List<Node> out = new ArrayList<>();
    for (int i = 0; i < u.length; i++) {
      out.add(new Node(URI.create(u[i].trim()), Integer.parseInt(p[i].trim())));
    }
    return out;
  }

  private static String env(String name) {
    String v = System.getenv(name);
    if (v == null || v.isBlank()) {
      fail(name + " is not set: these tests need the real Qdrant servers that scripts/services/qdrant.sh starts "
          + "(run them with QDRANT_BIN=/path/to/qdrant scripts/test.sh -pl datastore-qdrant -am)");
    }
    return v;
  }
}
