package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ProbeResult;
import io.maintenance.api.ProbeStatus;
import io.maintenance.spi.support.Probes;
import io.maintenance.spi.support.Probes.ProbeFailure;
import java.io.IOException;
import java.util.Map;

/** The readiness check: both APIs answer, accept the API key, and the release is one the plugin supports. */
public final class Probe {
  private final Server server;

  public Probe(Server server) {
    this.server = server;
  }

  public ProbeResult probe() {
    return Probes.run("qdrant", QdrantErrors.UNREACHABLE, () -> {
      String restVersion;
      int collections;
      try {
        restVersion = server.main().version();
        collections = server.main().collectionCount();
      } catch (IOException e) {
        throw probeFailure("REST API at " + server.settings().restUrl(), e);
      }
      String grpcVersion;
      try {
        grpcVersion = server.grpc().version();
        server.grpc().listCollections();
      } catch (IOException e) {
        throw probeFailure("gRPC API at " + server.settings().grpcHost() + ":" + server.settings().grpcPort(), e);
      }
      ServerVersion version;
      try {
        version = ServerVersion.parse(grpcVersion.isEmpty() ? restVersion : grpcVersion);
      } catch (IllegalArgumentException e) {
        throw new ProbeFailure(QdrantErrors.VERSION_UNSUPPORTED, "the server reports an unreadable version '" + grpcVersion + "'");
      }
      if (!version.supported()) {
        throw new ProbeFailure(QdrantErrors.VERSION_UNSUPPORTED, "Qdrant " + version + " is older than " + ServerVersion.MINIMUM
            + ", the oldest release with snapshot checksums");
      }
      return Map.of("version", version.toString(), "collections", Integer.toString(collections));
    });
  }

  private static ProbeFailure probeFailure(String api, IOException e) {
    if (QdrantErrors.unauthorized(e) || QdrantErrors.forbidden(e)) {
      return new ProbeFailure(QdrantErrors.UNAUTHORIZED, ProbeStatus.DOWN, api + " rejected the API key: " + e.getMessage(), null);
    }
    return new ProbeFailure(QdrantErrors.UNREACHABLE, ProbeStatus.DOWN, api + " is unreachable: " + e.getMessage(), null);
  }
}
