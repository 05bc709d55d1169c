package io.maintenance.datastore.qdrant.internal;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CreateAlias;
import io.qdrant.client.grpc.Collections.DeleteAlias;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.SparseVectorParams;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.SnapshotsService.SnapshotDescription;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * Qdrant's gRPC API (port 6334) through {@code io.qdrant:client}: server version, collection listing and
 * info, exact counts, snapshot listing and aliases. gRPC failures surface as {@link GrpcFailure}.
 */
public final class GrpcGateway implements AutoCloseable {
  private final QdrantClient client;
  private final Duration timeout;

  public GrpcGateway(QdrantSettings s) {
    // The client's own version check only logs; the plugin gates versions itself.
    QdrantGrpcClient.Builder b = QdrantGrpcClient.newBuilder(s.grpcHost(), s.grpcPort(), s.grpcTls(), false)
        .withTimeout(s.requestTimeout());
    s.apiKey().ifPresent(b::withApiKey);
    this.client = new QdrantClient(b.build());
    this.timeout = s.requestTimeout();
  }

  /** A gRPC call that failed, with its status code. */
  public static final class GrpcFailure extends IOException {
    private static final long serialVersionUID = 1L;
    private final Status.Code code;

    GrpcFailure(String op, Status status, Throwable cause) {
      super(op + " failed: " + status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()), cause);
      this.code = status.getCode();
    }

    public Status.Code code() {
      return code;
    }

    public boolean unauthorized() {
      return code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED;
    }

    public boolean unreachable() {
      return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    public boolean notFound() {
      return code == Status.Code.NOT_FOUND;
    }
  }

  public String version() throws IOException {
    return await("health check", client.healthCheckAsync(timeout)).getVersion();
  }

  public List<String> listCollections() throws IOException {
    return await("list collections", client.listCollectionsAsync(timeout));
  }

  public boolean exists(String collection) throws IOException {
    return await("check collection '" + collection + "'", client.collectionExistsAsync(collection, timeout));
  }

  /** Exact point count. */
  public long count(String collection) throws IOException {
    return await("count points of '" + collection + "'", client.countAsync(collection, null, true, timeout));
  }

  public List<SnapshotInfo> listSnapshots(String collection) throws IOException {
    List<SnapshotInfo> out = new ArrayList<>();
    for (SnapshotDescription d : await("list snapshots of '" + collection + "'", client.listSnapshotAsync(collection, timeout))) {
      out.add(new SnapshotInfo(d.getName(), d.getSize(), d.hasChecksum() ? Optional.of(d.getChecksum()) : Optional.empty()));
    }
    return out;
  }

  /** Every alias, by the collection it points at. */
  public Map<String, List<String>> aliases() throws IOException {
    Map<String, List<String>> byCollection = new TreeMap<>();
    for (AliasDescription a : await("list aliases", client.listAliasesAsync(timeout))) {
      byCollection.computeIfAbsent(a.getCollectionName(), k -> new ArrayList<>()).add(a.getAliasName());
    }
    return byCollection;
  }

  /**
   * Makes {@code wanted} exactly the aliases of {@code collection} in one atomic alias update: drops
   * aliases of it that are not wanted and (re-)points wanted ones at it.
   */
  public void setAliases(String collection, List<String> wanted, Map<String, List<String>> current) throws IOException {
    List<AliasOperations> ops = new ArrayList<>();
    current.getOrDefault(collection, List.of()).stream().filter(a -> !wanted.contains(a)).forEach(a ->
        ops.add(AliasOperations.newBuilder().setDeleteAlias(DeleteAlias.newBuilder().setAliasName(a)).build()));
    for (String alias : wanted) {
      boolean elsewhere = current.entrySet().stream()
          .anyMatch(e -> !e.getKey().equals(collection) && e.getValue().contains(alias));
      boolean here = current.getOrDefault(collection, List.of()).contains(alias);
      if (here) {
        continue;
      }
      if (elsewhere) {
        ops.add(AliasOperations.newBuilder().setDeleteAlias(DeleteAlias.newBuilder().setAliasName(alias)).build());
      }
      ops.add(AliasOperations.newBuilder()
          .setCreateAlias(CreateAlias.newBuilder().setAliasName(alias).setCollectionName(collection)).build());
    }
    if (!ops.isEmpty()) {
      await("update aliases of '" + collection + "'", client.updateAliasesAsync(ops, timeout));
    }
  }

  /** The collection as the plugin compares it, or empty if it does not exist. */
  public Optional<CollectionState> state(String collection, List<String> aliases) throws IOException {
    if (!exists(collection)) {
      return Optional.empty();
    }
    CollectionInfo info;
    try {
      info = await("get collection '" + collection + "'", client.getCollectionInfoAsync(collection, timeout));
    } catch (GrpcFailure e) {
      if (e.notFound()) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(canonical(collection, count(collection), info, aliases));
  }

  static CollectionState canonical(String name, long points, CollectionInfo info, List<String> aliases) {
    CollectionConfig cfg = info.getConfig();
    Map<String, String> vectors = new TreeMap<>();
    VectorsConfig vc = cfg.getParams().getVectorsConfig();
    if (vc.hasParams()) {
      vectors.put("", text(vc.getParams()));
    } else if (vc.hasParamsMap()) {
      for (Map.Entry<String, VectorParams> e : vc.getParamsMap().getMapMap().entrySet()) {
        vectors.put(e.getKey(), text(e.getValue()));
      }
    }
    Map<String, String> sparse = new TreeMap<>();
    for (Map.Entry<String, SparseVectorParams> e : cfg.getParams().getSparseVectorsConfig().getMapMap().entrySet()) {
      sparse.put(e.getKey(), text(e.getValue()));
    }
    Map<String, String> schema = new TreeMap<>();
    for (Map.Entry<String, PayloadSchemaInfo> e : info.getPayloadSchemaMap().entrySet()) {
      PayloadSchemaInfo p = e.getValue();
      schema.put(e.getKey(), p.getDataType().name() + (p.hasParams() ? " " + text(p.getParams()) : ""));
    }
    // Map-free parts only, so the text is deterministic whatever order the server sends map entries in.
    String settings = "shards=" + cfg.getParams().getShardNumber()
        + " replication=" + cfg.getParams().getReplicationFactor()
        + " on_disk_payload=" + cfg.getParams().getOnDiskPayload()
        + " sharding=" + cfg.getParams().getShardingMethod()
        + " hnsw={" + text(cfg.getHnswConfig()) + "}"
        + " quantization={" + text(cfg.getQuantizationConfig()) + "}";
    return new CollectionState(name, points, new TreeMap<>(vectors), new TreeMap<>(sparse), new TreeMap<>(schema), settings, aliases);
  }

  private static String text(Message m) {
    return TextFormat.printer().emittingSingleLine(true).printToString(m).trim();
  }

  private static <T> T await(String op, ListenableFuture<T> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(op + " was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StatusRuntimeException sre) {
        throw new GrpcFailure(op, sre.getStatus(), sre);
      }
      Status s = Status.fromThrowable(cause);
      throw new GrpcFailure(op, s, cause);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
