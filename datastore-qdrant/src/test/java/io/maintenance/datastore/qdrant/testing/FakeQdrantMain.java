package io.maintenance.datastore.qdrant.testing;

import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.PointIdFactory;
import io.qdrant.client.VectorsFactory;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Points.PointStruct;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the Qdrant double as its own process (for benchmarks): one collection with 1000 points and a
 * segment file of the requested size, so its snapshots have that size. Writes
 * {@code REST_URL=...} and {@code GRPC_PORT=...} to the ports file, then serves until killed.
 *
 * <p>Usage: {@code FakeQdrantMain <dir> <api-key> <collection> <segment-bytes> <ports-file>}
 */
public final class FakeQdrantMain {
  private FakeQdrantMain() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String apiKey = args[1];
    String collection = args[2];
    long segmentBytes = Long.parseLong(args[3]);
    Path portsFile = Path.of(args[4]);
    FakeQdrant server = FakeQdrant.start(dir, apiKey, "1.15.0");
    Runtime.getRuntime().addShutdownHook(new Thread(server::close));
    try (QdrantClient client = new QdrantClient(
        QdrantGrpcClient.newBuilder("127.0.0.1", server.grpcPort(), false, false).withApiKey(apiKey).build())) {
      client.createCollectionAsync(collection, VectorParams.newBuilder().setSize(8).setDistance(Distance.Dot).build()).get();
      List<PointStruct> points = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        points.add(PointStruct.newBuilder().setId(PointIdFactory.id(i))
            .setVectors(VectorsFactory.vectors(i, 1, 2, 3, 4, 5, 6, 7)).build());
      }
      client.upsertAsync(collection, points).get();
    }
    server.addSegmentFile(collection, "segment-0.bin", segmentBytes, 42);
    Path tmp = portsFile.resolveSibling(portsFile.getFileName() + ".tmp");
    Files.writeString(tmp, "REST_URL=" + server.restUrl() + "\nGRPC_PORT=" + server.grpcPort() + "\n");
    Files.move(tmp, portsFile);
    Thread.currentThread().join();
  }
}
