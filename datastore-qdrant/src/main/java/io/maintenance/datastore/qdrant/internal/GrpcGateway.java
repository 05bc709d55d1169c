package io.maintenance.datastore.qdrant.internal;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.maintenance.datastore.qdrant.DriftCheck;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.AliasOperations;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.SparseVectorParams;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Points.PointId;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.WithPayloadSelector;
import io.qdrant.client.grpc.Points.WithVectorsSelector;
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
 * info, exact counts, scrolls for content digests and aliases. gRPC failures surface as {@link GrpcFailure}.
 */
public final class GrpcGateway implements AutoCloseable {
  private final QdrantClient client;
  private final Duration timeout;
  /** Most points per scroll page of a content digest, the first page's, and the bytes a page aims at. */
  private static final int SCROLL_PAGE = 4096;
  private static final int FIRST_PAGE = 64;
  private static final long PAGE_BYTES = 1 << 20;

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
      return code == Status.Code.UNAUTHENTICATED;
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

  public void deleteCollection(String collection) throws IOException {
    await("delete collection '" + collection + "'", client.deleteCollectionAsync(collection, timeout));
  }

  /** Exact point count. */
  public long count(String collection) throws IOException {
    return await("count points of '" + collection + "'", client.countAsync(collection, null, true, timeout));
  }

  /** Every alias, by the collection it points at. */
  public Map<String, List<String>> aliases() throws IOException {
    Map<String, List<String>> byCollection = new TreeMap<>();
    aliasTargets().forEach((alias, collection) -> byCollection.computeIfAbsent(collection, k -> new ArrayList<>()).add(alias));
    return byCollection;
  }

  /** Every alias and the collection it points at. */
  public Map<String, String> aliasTargets() throws IOException {
    Map<String, String> targets = new TreeMap<>();
    for (AliasDescription a : await("list aliases", client.listAliasesAsync(timeout))) {
      targets.put(a.getAliasName(), a.getCollectionName());
    }
    return targets;
  }

  /** Sends alias operations as one request; Qdrant applies them one by one and stops at the first that fails. */
  public void updateAliases(List<AliasOperations> ops) throws IOException {
    if (!ops.isEmpty()) {
      await("update aliases", client.updateAliasesAsync(ops, timeout));
    }
  }

  /**
   * The collection as the plugin compares it. The caller has made sure {@code collection} names a
   * collection, not an alias: Qdrant resolves aliases in info and count, so an alias would describe
   * the collection it points at. Empty if it disappeared meanwhile.
   */
  public Optional<CollectionState> state(String collection, List<String> aliases, DriftCheck check) throws IOException {
    CollectionInfo info;
    long points;
    Optional<ContentDigest.Result> content = Optional.empty();
    try {
      info = await("get collection '" + collection + "'", client.getCollectionInfoAsync(collection, timeout));
      points = count(collection);
      if (check != DriftCheck.COUNTS) {
        content = Optional.of(digest(collection, check));
      }
    } catch (GrpcFailure e) {
      if (e.notFound()) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(canonical(collection, points, info, aliases, content));
  }

  /**
   * Scrolls every point in id order into a {@link ContentDigest}. Pages are sized from the points seen so
   * far to about {@link #PAGE_BYTES}, well under gRPC's 4 MiB message limit whatever the vector and
   * payload sizes; a page that still exceeds it is asked for again with half as many points.
   */
  public ContentDigest.Result digest(String collection, DriftCheck check) throws IOException {
    ContentDigest digest = new ContentDigest(check);
    PointId offset = null;
    int page = FIRST_PAGE;
    while (true) {
      ScrollPoints.Builder req = ScrollPoints.newBuilder().setCollectionName(collection).setLimit(page)
          .setWithPayload(WithPayloadSelector.newBuilder().setEnable(true))
          .setWithVectors(WithVectorsSelector.newBuilder().setEnable(digest.withVectors()));
      if (offset != null) {
        req.setOffset(offset);
      }
      ScrollResponse response;
      try {
        response = await("scroll points of '" + collection + "'", client.scrollAsync(req.build(), timeout));
      } catch (GrpcFailure e) {
        // Over the limit the client answers RESOURCE_EXHAUSTED, or CANCELLED when it gives up reading.
        if ((e.code() == Status.Code.RESOURCE_EXHAUSTED || e.code() == Status.Code.CANCELLED) && page > 1) {
          page /= 2;
          continue;
        }
        throw e;
      }
      response.getResultList().forEach(digest::add);
      if (response.getResultCount() > 0) {
        long perPoint = Math.max(1, response.getSerializedSize() / response.getResultCount());
        page = (int) Math.max(1, Math.min(SCROLL_PAGE, PAGE_BYTES / perPoint));
      }
      if (!response.hasNextPageOffset()) {
        return digest.result();
      }
      offset = response.getNextPageOffset();
    }
  }

  static CollectionState canonical(String name, long points, CollectionInfo info, List<String> aliases,
      Optional<ContentDigest.Result> content) {
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
        + " write_consistency=" + cfg.getParams().getWriteConsistencyFactor()
        + " on_disk_payload=" + cfg.getParams().getOnDiskPayload()
        + " sharding=" + cfg.getParams().getShardingMethod()
        + " hnsw={" + text(cfg.getHnswConfig()) + "}"
        + " optimizers={" + text(cfg.getOptimizerConfig()) + "}"
        + " quantization={" + text(cfg.getQuantizationConfig()) + "}";
    return new CollectionState(name, points, new TreeMap<>(vectors), new TreeMap<>(sparse), new TreeMap<>(schema), settings,
        aliases, content);
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
