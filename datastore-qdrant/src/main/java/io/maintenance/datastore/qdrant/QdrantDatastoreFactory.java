package io.maintenance.datastore.qdrant;

import com.google.auto.service.AutoService;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreFactory;
import io.maintenance.spi.PluginConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates {@link QdrantDatastore}s from configuration (type {@code qdrant}). Keys: {@code url}
 * (required), {@code grpc-host}, {@code grpc-port} (6334), {@code grpc-tls}, {@code api-key},
 * {@code include} and {@code exclude} (comma-separated globs), {@code connect-timeout} (10s),
 * {@code request-timeout} (60s), {@code snapshot-timeout} (1h), {@code transfer-timeout} (6h),
 * {@code poll-interval} (500ms), {@code checksum-wait} (5s), {@code presign-ttl} (1h), {@code upload-only} (false),
 * {@code peer-urls} (comma-separated REST URLs of every node of a cluster), {@code drift-check}
 * ({@code counts}, {@code payloads} (default) or {@code points}).
 */
@AutoService(DatastoreFactory.class)
public final class QdrantDatastoreFactory implements DatastoreFactory {
  @Override
  public String type() {
    return QdrantDatastore.TYPE;
  }

  @Override
  public Datastore create(String id, PluginConfig config) {
    URI url;
    try {
      url = new URI(config.require("url"));
    } catch (URISyntaxException e) {
      throw config.invalid("url", "is not a URL: " + e.getMessage());
    }
    if (url.getScheme() == null || url.getHost() == null) {
      throw config.invalid("url", "must be an http(s) URL with a host, e.g. http://qdrant:6333");
    }
    QdrantDatastore.Builder b = QdrantDatastore.builder(id)
        .url(url)
        .grpcPort(config.integer("grpc-port", 6334))
        .connectTimeout(config.duration("connect-timeout", Duration.ofSeconds(10)))
        .requestTimeout(config.duration("request-timeout", Duration.ofSeconds(60)))
        .snapshotTimeout(config.duration("snapshot-timeout", Duration.ofHours(1)))
        .transferTimeout(config.duration("transfer-timeout", Duration.ofHours(6)))
        .pollInterval(config.duration("poll-interval", Duration.ofMillis(500)))
        .presignTtl(config.duration("presign-ttl", Duration.ofHours(1)))
        .checksumWait(config.duration("checksum-wait", Duration.ofSeconds(5)))
        .uploadOnly(config.bool("upload-only", false));
    config.optional("grpc-host").ifPresent(b::grpcHost);
    config.optional("grpc-tls").ifPresent(v -> b.grpcTls(config.bool("grpc-tls", false)));
    config.optional("api-key").ifPresent(b::apiKey);
    b.include(config.list("include").toArray(String[]::new));
    b.exclude(config.list("exclude").toArray(String[]::new));
    List<URI> peers = new ArrayList<>();
    for (String peer : config.list("peer-urls")) {
      try {
        peers.add(new URI(peer));
      } catch (URISyntaxException e) {
        throw config.invalid("peer-urls", "'" + peer + "' is not a URL: " + e.getMessage());
      }
    }
    b.peerUrls(peers.toArray(URI[]::new));
    if (config.optional("drift-check").isPresent()) {
      try {
        b.driftCheck(DriftCheck.parse(config.require("drift-check")));
      } catch (IllegalArgumentException e) {
        throw config.invalid("drift-check", e.getMessage());
      }
    }
    return b.build();
  }

}
