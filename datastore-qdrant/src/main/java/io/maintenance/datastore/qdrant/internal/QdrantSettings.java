package io.maintenance.datastore.qdrant.internal;

import io.maintenance.datastore.qdrant.DriftCheck;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a Qdrant datastore instance is configured with (built by {@code QdrantDatastore.Builder}).
 *
 * @param restUrl base URL of the REST API (port 6333): one node, or a load balancer in front of a cluster
 * @param grpcHost host of the gRPC API (port 6334), used for collection info, counts, scrolls and aliases
 * @param apiKey sent as {@code api-key} on both APIs; never logged
 * @param peerUrls REST URLs of every node of a cluster, for the per-node shard snapshot calls
 * @param driftCheck what the fingerprint reads of each collection's points
 * @param checksumWait how long a listed snapshot may lack its checksum before the server is taken to
 *     keep none (S3 snapshot storage)
 * @param uploadOnly never ask the server to recover from a presigned storage URL, always stream the upload
 */
public record QdrantSettings(
    URI restUrl,
    String grpcHost,
    int grpcPort,
    boolean grpcTls,
    Optional<String> apiKey,
    List<String> include,
    List<String> exclude,
    List<URI> peerUrls,
    DriftCheck driftCheck,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration snapshotTimeout,
    Duration transferTimeout,
    Duration pollInterval,
    Duration checksumWait,
    Duration presignTtl,
    boolean uploadOnly) {
  public QdrantSettings {
    Objects.requireNonNull(restUrl, "restUrl");
    Objects.requireNonNull(grpcHost, "grpcHost");
    Objects.requireNonNull(apiKey, "apiKey");
    include = List.copyOf(include);
    exclude = List.copyOf(exclude);
    peerUrls = List.copyOf(peerUrls);
    Objects.requireNonNull(driftCheck, "driftCheck");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(snapshotTimeout, "snapshotTimeout");
    Objects.requireNonNull(transferTimeout, "transferTimeout");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(checksumWait, "checksumWait");
    Objects.requireNonNull(presignTtl, "presignTtl");
  }

  /** The settings as shown to people: the API key masked. */
  @Override
  public String toString() {
    return "QdrantSettings[rest=" + restUrl + ", grpc=" + grpcHost + ":" + grpcPort + (grpcTls ? " tls" : "")
        + ", apiKey=" + (apiKey.isPresent() ? "****" : "none") + ", include=" + include + ", exclude=" + exclude
        + (peerUrls.isEmpty() ? "" : ", peers=" + peerUrls) + ", driftCheck=" + driftCheck + "]";
  }
}
