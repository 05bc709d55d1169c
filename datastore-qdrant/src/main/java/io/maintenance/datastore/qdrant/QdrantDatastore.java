package io.maintenance.datastore.qdrant;

import io.maintenance.api.DatastorePlan;
import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.datastore.qdrant.internal.Backup;
import io.maintenance.datastore.qdrant.internal.Discard;
import io.maintenance.datastore.qdrant.internal.Fingerprints;
import io.maintenance.datastore.qdrant.internal.Plan;
import io.maintenance.datastore.qdrant.internal.Probe;
import io.maintenance.datastore.qdrant.internal.QdrantErrors;
import io.maintenance.datastore.qdrant.internal.QdrantSettings;
import io.maintenance.datastore.qdrant.internal.Restore;
import io.maintenance.datastore.qdrant.internal.Server;
import io.maintenance.spi.BackupContext;
import io.maintenance.spi.Datastore;
import io.maintenance.spi.DatastoreBackup;
import io.maintenance.spi.Fingerprint;
import io.maintenance.spi.RestoreContext;
import io.maintenance.spi.RestoreOutcome;
import io.maintenance.spi.support.DatastoreBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Backs up and restores Qdrant collections through Qdrant's snapshot API. One artifact pair per
 * collection: the snapshot itself ({@code <collection>.snapshot}, streamed from the server into storage
 * and checked against Qdrant's SHA-256) and a small JSON record ({@code <collection>.qdrant.json}) with
 * the exact point count, config, payload indexes and aliases. Snapshot transfers use the REST API;
 * everything else the gRPC API through {@code io.qdrant:client}.
 *
 * <pre>{@code
 * Datastore qdrant = QdrantDatastore.builder("vectors")
 *     .url(URI.create("http://qdrant:6333"))
 *     .apiKey(System.getenv("QDRANT_API_KEY"))
 *     .include("docs-*")
 *     .build();
 * }</pre>
 */
public final class QdrantDatastore implements Datastore {
  /** Plugin type, as used in configuration. */
  public static final String TYPE = "qdrant";
  /** Probe code: the REST or gRPC port does not answer. */
  public static final String QDRANT_UNREACHABLE = QdrantErrors.UNREACHABLE;
  /** Probe code: the server rejects the API key (or needs one). */
  public static final String QDRANT_UNAUTHORIZED = QdrantErrors.UNAUTHORIZED;
  /** Probe code: the server is older than the oldest release the plugin supports (1.8.0). */
  public static final String QDRANT_VERSION_UNSUPPORTED = QdrantErrors.VERSION_UNSUPPORTED;

  private final String id;
  private final Server server;

  private QdrantDatastore(String id, QdrantSettings settings) {
    this.id = id;
    this.server = new Server(settings);
  }

  public static Builder builder(String id) {
    return new Builder(id);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public ProbeResult probe() {
    return new Probe(server).probe();
  }

  @Override
  public Fingerprint fingerprint(Set<String> resources) {
    return new Fingerprints(server).fingerprint(resources);
  }

  @Override
  public DatastoreBackup backup(BackupContext context) {
    return new Backup(server).backup(context);
  }

  @Override
  public DatastorePlan plan(RestoreContext context) {
    return new Plan(server).plan(context, id, TYPE);
  }

  @Override
  public RestoreOutcome restore(RestoreContext context) {
    return new Restore(server).restore(context);
  }

  /**
   * A restore drill's sandbox is another Qdrant server or cluster: collection names are the server's
   * namespace, so a sandbox on the live server would restore over the live collections.
   */
  @Override
  public boolean supportsDiscard() {
    return true;
  }

  /** Deletes the collections and every alias pointing at them; other collections and aliases stay. */
  @Override
  public void discard(Set<String> collections) {
    new Discard(server).discard(collections);
  }

  @Override
  public void close() {
    server.grpc().close();
  }

  @Override
  public String toString() {
    return "QdrantDatastore[" + id + ", " + server.settings() + "]";
  }

  /** Options of a {@link QdrantDatastore}; only {@link #url} is required. {@code include} and {@code exclude} select collections. */
  public static final class Builder extends DatastoreBuilder<Builder> {
    private URI url;
    private String grpcHost;
    private int grpcPort = 6334;
    private Boolean grpcTls;
    private String apiKey;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration snapshotTimeout = Duration.ofHours(1);
    private Duration transferTimeout = Duration.ofHours(6);
    private Duration pollInterval = Duration.ofMillis(500);
    private Duration presignTtl = Duration.ofHours(1);
    private boolean uploadOnly;
    private final List<URI> peerUrls = new ArrayList<>();
    private DriftCheck driftCheck = DriftCheck.PAYLOADS;
    private Duration checksumWait = Duration.ofSeconds(5);

    private Builder(String id) {
      super(id);
    }

    /** REST base URL, e.g. {@code http://qdrant:6333}; {@code https} also switches gRPC to TLS. */
    public Builder url(URI url) {
      this.url = url;
      return this;
    }

    /** gRPC host; the REST URL's host by default. */
    public Builder grpcHost(String host) {
      this.grpcHost = host;
      return this;
    }

    /** gRPC port; 6334 by default. */
    public Builder grpcPort(int port) {
      this.grpcPort = port;
      return this;
    }

    /** gRPC over TLS; follows the REST URL's scheme by default. */
    public Builder grpcTls(boolean tls) {
      this.grpcTls = tls;
      return this;
    }

    /** The {@code api-key} for both APIs; none by default. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    /** Timeout of metadata calls (info, counts, listings, aliases, snapshot creation requests). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    /** How long to wait for a snapshot to be made on the server, and after a restore for replicas and optimizers to settle. */
    public Builder snapshotTimeout(Duration d) {
      this.snapshotTimeout = d;
      return this;
    }

    /** Timeout of one snapshot transfer (until the download starts; for an upload, until Qdrant answers). */
    public Builder transferTimeout(Duration d) {
      this.transferTimeout = d;
      return this;
    }

    /** How often the snapshot listing is polled while a snapshot is being made. */
    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    /** How long a presigned storage URL handed to Qdrant for recovery stays valid. */
    public Builder presignTtl(Duration d) {
      this.presignTtl = d;
      return this;
    }

    /**
     * REST URLs of every node of a cluster. Shard snapshots are made, downloaded and recovered on the node
     * that holds the shard; without this list only {@link #url} is used, which must then be a node (not a
     * load balancer) and can reach only the shards it holds.
     */
    public Builder peerUrls(URI... urls) {
      peerUrls.addAll(List.of(urls));
      return this;
    }

    /**
     * What the fingerprint reads besides exact counts, config and aliases (see {@link DriftCheck}):
     * {@code payloads} by default, so a payload-only edit between preview and confirm is noticed.
     */
    public Builder driftCheck(DriftCheck check) {
      this.driftCheck = Objects.requireNonNull(check, "driftCheck");
      return this;
    }

    /** How long a listed snapshot may lack its checksum before the server is taken to keep none (S3 storage). */
    public Builder checksumWait(Duration d) {
      this.checksumWait = d;
      return this;
    }

    /** Always stream uploads, even where the storage could presign a URL for Qdrant to fetch. */
    public Builder uploadOnly(boolean uploadOnly) {
      this.uploadOnly = uploadOnly;
      return this;
    }

    public QdrantDatastore build() {
      if (url == null || url.getHost() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID,
            "datastore " + id() + ": the Qdrant REST url must be an http(s) URL with a host, was '" + url + "'");
      }
      Map<String, Duration> durations = new java.util.LinkedHashMap<>();
      durations.put("connect-timeout", connectTimeout);
      durations.put("request-timeout", requestTimeout);
      durations.put("snapshot-timeout", snapshotTimeout);
      durations.put("transfer-timeout", transferTimeout);
      durations.put("poll-interval", pollInterval);
      durations.put("presign-ttl", presignTtl);
      durations.put("checksum-wait", checksumWait);
      durations.forEach((key, d) -> {
        if (d == null || d.isNegative() || d.isZero()) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore " + id() + ": " + key + " must be positive, was " + d);
        }
      });
      if (grpcPort <= 0 || grpcPort > 65535) {
        throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "datastore " + id() + ": grpc-port must be 1..65535, was " + grpcPort);
      }
      boolean tls = grpcTls != null ? grpcTls : url.getScheme().equals("https");
      for (URI peer : peerUrls) {
        if (peer.getHost() == null || !(peer.getScheme().equals("http") || peer.getScheme().equals("https"))) {
          throw new MaintenanceException(ErrorCode.CONFIG_INVALID,
              "datastore " + id() + ": every peer url must be an http(s) URL with a host, was '" + peer + "'");
        }
      }
      QdrantSettings s = new QdrantSettings(url, grpcHost != null ? grpcHost : url.getHost(), grpcPort, tls,
          Optional.ofNullable(apiKey).filter(k -> !k.isBlank()), includes().isEmpty() ? List.of("*") : includes(), excludes(),
          peerUrls, driftCheck, connectTimeout, requestTimeout, snapshotTimeout, transferTimeout, pollInterval, checksumWait,
          presignTtl, uploadOnly);
      return new QdrantDatastore(id(), s);
    }
  }
}
