package io.maintenance.datastore.qdrant.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.maintenance.spi.support.NameFilter;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The Qdrant server of one datastore as the plugin reaches it: its settings, the REST client of the
 * configured URL, the gRPC gateway, and the selection of collections.
 */
public final class Server {
  private final QdrantSettings settings;
  private final RestClient main;
  private final GrpcGateway grpc;
  private final NameFilter selector;

  public Server(QdrantSettings settings) {
    this.settings = settings;
    this.main = new RestClient(settings.restUrl(), settings);
    this.grpc = new GrpcGateway(settings);
    this.selector = NameFilter.of(settings.include(), settings.exclude());
  }

  public QdrantSettings settings() {
    return settings;
  }

  /** The REST client of the configured URL (one node, or a load balancer in front of a cluster). */
  public RestClient main() {
    return main;
  }

  public GrpcGateway grpc() {
    return grpc;
  }

  /** The selected collections, sorted. */
  List<String> selected() throws IOException {
    return grpc.listCollections().stream().filter(selector::matches).sorted().toList();
  }

  Targets targets() throws IOException {
    return Targets.read(grpc);
  }

  Optional<CollectionState> live(String name, Targets t, DriftCheck check) throws IOException {
    return t.live(grpc, name, check);
  }

  /** The release the server runs, as the target of a restore. */
  ServerVersion targetVersion() throws IOException {
    String v = grpc.version();
    try {
      return ServerVersion.parse(v);
    } catch (IllegalArgumentException e) {
      throw new MaintenanceException(ErrorCode.DATASTORE_FAILURE, "the target Qdrant reports an unreadable version '" + v + "'");
    }
  }
}
