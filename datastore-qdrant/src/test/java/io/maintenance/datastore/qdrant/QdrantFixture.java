package io.maintenance.datastore.qdrant;

import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorsFactory.namedVectors;
import static io.qdrant.client.VectorsFactory.vectors;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.AliasDescription;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.PointId;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.WithPayloadSelector;
import io.qdrant.client.grpc.Points.WithVectorsSelector;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Test data in a Qdrant server, written and read through the official gRPC client only, so the same
 * fixture drives the in-JVM double and a real Qdrant: two collections (unnamed and named vectors,
 * numeric and UUID ids, payload of every JSON kind, a keyword index) and an alias.
 */
final class QdrantFixture implements AutoCloseable {
  static final String DOCS = "docs";
  static final String IMAGES = "images";
  static final String UUID_A = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
  static final String UUID_B = "8d2b9c3e-0f4a-4a47-9a0c-4b1f7f0d8e11";
  static final String UUID_C = "f3b8a6a1-2b3c-4d5e-8f90-123456789abc";

  final URI restUrl;
  final String grpcHost;
  final int grpcPort;
  final String apiKey;
  final QdrantClient client;
  final QdrantHttp http;

  QdrantFixture(URI restUrl, String grpcHost, int grpcPort, String apiKey) {
    this.restUrl = restUrl;
    this.grpcHost = grpcHost;
    this.grpcPort = grpcPort;
    this.apiKey = apiKey;
    QdrantGrpcClient.Builder b = QdrantGrpcClient.newBuilder(grpcHost, grpcPort, false, false);
    if (apiKey != null && !apiKey.isEmpty()) {
      b.withApiKey(apiKey);
    }
    this.client = new QdrantClient(b.build());
    this.http = new QdrantHttp(restUrl, apiKey);
  }

  /** A datastore for this server, polling quickly as tests want. */
  QdrantDatastore.Builder datastore(String id) {
    QdrantDatastore.Builder b = QdrantDatastore.builder(id).url(restUrl).grpcHost(grpcHost).grpcPort(grpcPort)
        .pollInterval(Duration.ofMillis(50)).snapshotTimeout(Duration.ofSeconds(60)).requestTimeout(Duration.ofSeconds(30));
    if (apiKey != null && !apiKey.isEmpty()) {
      b.apiKey(apiKey);
    }
    return b;
  }

  /** Drops everything, then creates the two collections, their points, an index and an alias. */
  void seed() throws Exception {
    for (AliasDescription a : client.listAliasesAsync().get()) {
      client.deleteAliasAsync(a.getAliasName()).get();
    }
    for (String c : client.listCollectionsAsync().get()) {
      client.deleteCollectionAsync(c).get();
    }
    client.createCollectionAsync(DOCS, VectorParams.newBuilder().setSize(4).setDistance(Distance.Cosine).build()).get();
    client.createPayloadIndexAsync(DOCS, "city", PayloadSchemaType.Keyword, null, true, null, null).get();
    client.upsertAsync(DOCS, List.of(
        doc(1, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, Map.of("city", value("Berlin"), "stars", value(4), "tags", list("a", "b"))),
        doc(2, new float[] {0.5f, 0.6f, 0.7f, 0.8f}, Map.of("city", value("Paris"), "price", value(12.5), "open", value(true))),
        doc(3, new float[] {-1f, 0f, 1f, 2f}, Map.of("city", value("Rome"), "note", value("naïve “quotes” \n newline"))),
        doc(4, new float[] {1e-7f, 3.5f, 0f, 7f}, Map.of("nested", nested())),
        doc(5, new float[] {9f, 8f, 7f, 6f}, Map.of()))).get();
    client.createCollectionAsync(IMAGES, Map.of(
        "image", VectorParams.newBuilder().setSize(3).setDistance(Distance.Dot).build(),
        "text", VectorParams.newBuilder().setSize(2).setDistance(Distance.Euclid).build())).get();
    client.upsertAsync(IMAGES, List.of(
        image(UUID_A, new float[] {1, 2, 3}, new float[] {0.5f, 0.25f}, "cat"),
        image(UUID_B, new float[] {4, 5, 6}, new float[] {1, 1}, "dog"),
        image(UUID_C, new float[] {7, 8, 9}, new float[] {0, -1}, "bird"))).get();
    client.createAliasAsync("docs-current", DOCS).get();
  }

  /** Adds, changes and deletes points in both collections and moves an alias. */
  void mutate() throws Exception {
    client.upsertAsync(DOCS, List.of(
        doc(1, new float[] {0.1f, 0.2f, 0.3f, 0.4f}, Map.of("city", value("Hamburg"))),
        doc(6, new float[] {1, 1, 1, 1}, Map.of("city", value("Oslo"))),
        doc(7, new float[] {2, 2, 2, 2}, Map.of()))).get();
    client.deleteAsync(DOCS, List.of(id(2))).get();
    client.deleteAsync(IMAGES, List.of(id(java.util.UUID.fromString(UUID_B)))).get();
    client.deleteAliasAsync("docs-current").get();
    client.createAliasAsync("docs-next", IMAGES).get();
  }

  /** Every collection's vector config, indexes and points, and every alias, in a canonical text form. */
  String liveData() throws Exception {
    return liveData(c -> true);
  }

  /** {@link #liveData()} of the collections {@code selected} accepts and of the aliases pointing at them. */
  String liveData(java.util.function.Predicate<String> selected) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (String c : client.listCollectionsAsync().get().stream().filter(selected).sorted().toList()) {
      CollectionInfo info = client.getCollectionInfoAsync(c).get();
      sb.append("collection ").append(c).append('\n');
      sb.append("  vectors ").append(info.getConfig().getParams().getVectorsConfig().toString().replaceAll("\\s+", " ")).append('\n');
      new TreeMap<>(info.getPayloadSchemaMap()).forEach((k, v) -> sb.append("  index ").append(k).append(' ').append(v.getDataType()).append('\n'));
      PointId offset = null;
      do {
        ScrollPoints.Builder req = ScrollPoints.newBuilder().setCollectionName(c).setLimit(2)
            .setWithPayload(WithPayloadSelector.newBuilder().setEnable(true))
            .setWithVectors(WithVectorsSelector.newBuilder().setEnable(true));
        if (offset != null) {
          req.setOffset(offset);
        }
        ScrollResponse page = client.scrollAsync(req.build()).get();
        for (RetrievedPoint p : page.getResultList()) {
          sb.append("  point ").append(p.getId().hasUuid() ? p.getId().getUuid() : Long.toString(p.getId().getNum()));
          if (p.getVectors().hasVector()) {
            sb.append(" vector=").append(floats(p.getVectors().getVector()));
          } else {
            new TreeMap<>(p.getVectors().getVectors().getVectorsMap()).forEach((k, v) -> sb.append(' ').append(k).append('=').append(floats(v)));
          }
          sb.append(" payload=").append(render(p.getPayloadMap())).append('\n');
        }
        offset = page.hasNextPageOffset() ? page.getNextPageOffset() : null;
      } while (offset != null);
    }
    for (AliasDescription a : client.listAliasesAsync().get().stream().filter(a -> selected.test(a.getCollectionName()))
        .sorted(java.util.Comparator.comparing(AliasDescription::getAliasName)).toList()) {
      sb.append("alias ").append(a.getAliasName()).append(" -> ").append(a.getCollectionName()).append('\n');
    }
    return sb.toString();
  }

  long count(String collection) throws Exception {
    return client.countAsync(collection, null, true).get();
  }

  private static String floats(VectorOutput v) {
    List<Float> data = v.hasDense() ? v.getDense().getDataList() : v.getDataList();
    return data.stream().map(f -> Integer.toHexString(Float.floatToRawIntBits(f))).collect(Collectors.joining(",", "[", "]"));
  }

  private static String render(Map<String, Value> payload) {
    return new TreeMap<>(payload).entrySet().stream().map(e -> e.getKey() + ":" + render(e.getValue()))
        .collect(Collectors.joining(",", "{", "}"));
  }

  private static String render(Value v) {
    return switch (v.getKindCase()) {
      case STRUCT_VALUE -> render(v.getStructValue().getFieldsMap());
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(QdrantFixture::render).collect(Collectors.joining(",", "[", "]"));
      case STRING_VALUE -> "\"" + v.getStringValue() + "\"";
      case INTEGER_VALUE -> "i" + v.getIntegerValue();
      case DOUBLE_VALUE -> "d" + v.getDoubleValue();
      case BOOL_VALUE -> "b" + v.getBoolValue();
      case NULL_VALUE -> "null";
      default -> "?";
    };
  }

  private static PointStruct doc(long id, float[] vector, Map<String, Value> payload) {
    return PointStruct.newBuilder().setId(id(id)).setVectors(vectors(vector)).putAllPayload(payload).build();
  }

  private static PointStruct image(String uuid, float[] image, float[] text, String label) {
    return PointStruct.newBuilder().setId(id(java.util.UUID.fromString(uuid)))
        .setVectors(namedVectors(Map.of("image", io.qdrant.client.VectorFactory.vector(image), "text", io.qdrant.client.VectorFactory.vector(text))))
        .putPayload("label", value(label)).build();
  }

  private static Value list(String... items) {
    return io.qdrant.client.ValueFactory.list(java.util.Arrays.stream(items).map(io.qdrant.client.ValueFactory::value).toList());
  }

  private static Value nested() {
    return Value.newBuilder().setStructValue(io.qdrant.client.grpc.JsonWithInt.Struct.newBuilder()
        .putFields("empty", Value.newBuilder().setStringValue("").build())
        .putFields("none", io.qdrant.client.ValueFactory.nullValue())
        .putFields("deep", list("x"))).build();
  }

  @Override
  public void close() {
    client.close();
  }
}
