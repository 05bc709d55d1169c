package io.maintenance.storage.s3;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.api.ProbeResult;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.spi.ReadRequest;
import io.maintenance.spi.StorageProvider;
import io.maintenance.spi.Upload;
import io.maintenance.spi.UploadOptions;
import io.maintenance.spi.UploadState;
import io.maintenance.spi.support.StorageKeys;
import io.maintenance.storage.s3.internal.ObjectKeys;
import io.maintenance.storage.s3.internal.ObjectReader;
import io.maintenance.storage.s3.internal.S3Bucket;
import io.maintenance.storage.s3.internal.S3Clients;
import io.maintenance.storage.s3.internal.S3Errors;
import io.maintenance.storage.s3.internal.S3Probe;
import io.maintenance.storage.s3.internal.S3Upload;
import io.maintenance.storage.s3.internal.WriteOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.S3ServiceClientConfiguration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Backup artifacts in an Amazon S3 (or S3-compatible) bucket, under an optional key prefix.
 *
 * <p>Uploads are S3 multipart uploads, one part per chunk, each part sent with a checksum the server
 * verifies ({@link ChecksumMode}); their state (upload id, part ETags and checksums) lets another process
 * resume or abort them. An object that fits in one part is written with a single PutObject. Reads are
 * ranged GETs pinned to the object's ETag, resumed from the offset reached when a connection breaks.
 *
 * <p>Create it from configuration through the {@code s3} {@link io.maintenance.spi.StorageProviderFactory},
 * or with {@link #builder()}, optionally around the host's own {@link S3Client}.
 */
public final class S3StorageProvider implements StorageProvider {
  public static final String NAME = "s3";

  private static final Duration READ_BACKOFF = Duration.ofMillis(250);

  private final S3Client client;
  private final boolean ownsClient;
  private final S3Bucket bucket;
  private final ObjectReader reader;
  private final ChecksumMode checksumMode;
  private final int partSize;
  private final int parallelism;
  private final ExecutorService uploads;
  private final boolean pathStyle;
  private final boolean ownsPresigner;
  private S3Presigner presigner;

  private S3StorageProvider(Builder b, S3Client client, boolean ownsClient) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.presigner = b.presigner;
    this.ownsPresigner = b.presigner == null;
    // A host client does not reveal its path style: S3-compatible endpoints need path style, AWS does not.
    this.pathStyle = b.pathStyle != null ? b.pathStyle : client.serviceClientConfiguration().endpointOverride().isPresent();
    this.bucket = new S3Bucket(client, b.bucket, new ObjectKeys(b.keyPrefix), b.partAttempts, b.listPageSize,
        new WriteOptions(Optional.ofNullable(b.serverSideEncryption), Optional.ofNullable(b.sseKmsKeyId),
            Optional.ofNullable(b.storageClass)));
    this.reader = new ObjectReader(bucket, b.maxAttempts, READ_BACKOFF);
    this.checksumMode = b.checksumMode;
    this.partSize = (int) b.partSize;
    this.parallelism = b.parallelism;
    AtomicInteger threads = new AtomicInteger();
    // Threads are only busy while parts are in flight; each upload bounds its own parts to `parallelism`.
    this.uploads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "s3-upload-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The bucket objects are stored in. */
  public String bucket() {
    return bucket.name();
  }

  /** The key prefix inside the bucket, empty for none. */
  public String keyPrefix() {
    return bucket.keys().prefix();
  }

  public ChecksumMode checksumMode() {
    return checksumMode;
  }

  /** Bytes per part: the memory one in-flight part takes. */
  public int partSize() {
    return partSize;
  }

  /** Parts of one upload sent at the same time. */
  public int parallelism() {
    return parallelism;
  }

  @Override
  public Upload startUpload(String key, UploadOptions options) {
    StorageKeys.validate(key);
    return S3Upload.start(bucket, key, partSize, checksumMode, parallelism, uploads, options);
  }

  @Override
  public Upload resumeUpload(UploadState state, UploadOptions options) {
    StorageKeys.validate(state.key());
    return S3Upload.resume(bucket, state, parallelism, uploads, options);
  }

  @Override
  public void abortUpload(UploadState state) {
    StorageKeys.validate(state.key());
    S3Upload.abort(bucket, state);
  }

  @Override
  public InputStream openRead(ReadRequest request) throws IOException {
    return reader.open(request);
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    StorageKeys.validate(key);
    return bucket.head(key, Optional.empty());
  }

  @Override
  public Stream<ObjectInfo> list(String prefix) {
    StorageKeys.prefix(prefix);
    return bucket.list(prefix);
  }

  @Override
  public boolean delete(String key) {
    StorageKeys.validate(key);
    return bucket.delete(key);
  }

  @Override
  public ProbeResult probe() {
    return S3Probe.run(bucket, checksumMode);
  }

  /** A SigV4 query-signed GET URL; {@code ttl} must be between one second and seven days (the SigV4 limit). */
  @Override
  public Optional<URI> presignGet(String key, Duration ttl) {
    String objectKey = bucket.keys().objectKey(key);
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofDays(7)) > 0) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "presigned URL lifetime must be between 1 second and 7 days, was "
          + ttl, Map.of("key", key, "ttl", ttl.toString()));
    }
    try {
      return Optional.of(presigner().presignGetObject(p -> p.signatureDuration(ttl)
          .getObjectRequest(g -> g.bucket(bucket.name()).key(objectKey))).url().toURI());
    } catch (SdkException e) {
      throw S3Errors.failure("presign GetObject", key, e);
    } catch (URISyntaxException e) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, "presigned URL for '" + key + "' is not a valid URI", e);
    }
  }

  /** Stops the upload threads; closes the S3 client too unless the host passed it in. */
  @Override
  public synchronized void close() {
    uploads.shutdown();
    if (presigner != null && ownsPresigner) {
      presigner.close();
    }
    presigner = null;
    if (ownsClient) {
      client.close();
    }
  }

  private synchronized S3Presigner presigner() {
    if (presigner == null) {
      S3ServiceClientConfiguration c = client.serviceClientConfiguration();
      S3Presigner.Builder b = S3Presigner.builder()
          .region(c.region())
          .credentialsProvider(c.credentialsProvider())
          .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build());
      c.endpointOverride().ifPresent(b::endpointOverride);
      presigner = b.build();
    }
    return presigner;
  }

  @Override
  public String toString() {
    return "S3StorageProvider[bucket=" + bucket.name() + ", keyPrefix=" + keyPrefix() + ", checksum=" + checksumMode.configValue()
        + ", partSize=" + partSize + ", parallelism=" + parallelism + "]";
  }

  /**
   * Configures an {@link S3StorageProvider}. Either pass the host's own {@link #client(S3Client)} (then the
   * connection options below must not be set, and closing the provider leaves the client open), or let the
   * provider build one from region, endpoint, path style, credentials, timeouts and retries.
   *
   * <p>A host client must not add flexible checksums the server rejects: with {@link ChecksumMode#MD5}, build
   * it with {@code requestChecksumCalculation(WHEN_REQUIRED)}.
   */
  public static final class Builder {
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    public static final long MAX_PART_SIZE = 1024L * 1024 * 1024;
    private static final Pattern BUCKET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]");

    private S3Client client;
    private String bucket;
    private String keyPrefix = "";
    private ChecksumMode checksumMode = ChecksumMode.CRC32C;
    private long partSize = 16L * 1024 * 1024;
    private int parallelism = 4;
    private int partAttempts = 3;
    private int listPageSize = 1000;
    private int maxAttempts = 3;
    private ServerSideEncryption serverSideEncryption;
    private String sseKmsKeyId;
    private StorageClass storageClass;
    // connection options, only for the provider's own client
    private String region;
    private URI endpoint;
    private Boolean pathStyle;
    private AwsCredentialsProvider credentials;
    private Duration connectTimeout;
    private Duration socketTimeout;
    private Duration requestTimeout;
    private Integer maxConnections;
    private S3Presigner presigner;

    private Builder() {}

    /**
     * Server-side encryption of every object written: {@code AES256} (SSE-S3) or {@code aws:kms} (SSE-KMS,
     * with {@link #sseKmsKeyId} or the account's default KMS key); default the bucket's default encryption.
     */
    public Builder serverSideEncryption(ServerSideEncryption sse) {
      this.serverSideEncryption = sse;
      return this;
    }

    /** The KMS key (id, ARN or alias) for SSE-KMS; requires {@code aws:kms}. */
    public Builder sseKmsKeyId(String keyId) {
      this.sseKmsKeyId = keyId;
      return this;
    }

    /**
     * Storage class of every object written (e.g. {@code STANDARD_IA}, {@code INTELLIGENT_TIERING},
     * {@code GLACIER_IR}); default the bucket's. Classes whose objects must be restored before they can be
     * read ({@code GLACIER}, {@code DEEP_ARCHIVE}) are refused: a restore must be able to read its backup.
     */
    public Builder storageClass(StorageClass storageClass) {
      this.storageClass = storageClass;
      return this;
    }

    /** The host's S3 client; the provider uses it as configured and does not close it. */
    public Builder client(S3Client client) {
      this.client = client;
      return this;
    }

    /**
     * The host's presigner for {@link #presignGet}; default one built from the client's region, endpoint and
     * credentials, with path-style URLs when an endpoint is set (or as {@link #pathStyle} says).
     */
    public Builder presigner(S3Presigner presigner) {
      this.presigner = presigner;
      return this;
    }

    public Builder bucket(String bucket) {
      this.bucket = bucket;
      return this;
    }

    /** Key prefix inside the bucket (e.g. {@code backups/prod}); default none. */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
      return this;
    }

    /** Default {@link ChecksumMode#CRC32C}. */
    public Builder checksumMode(ChecksumMode mode) {
      this.checksumMode = mode;
      return this;
    }

    /** Bytes per part, 5 MiB to 1 GiB; default 16 MiB. Objects can have up to 10,000 parts. */
    public Builder partSize(long bytes) {
      this.partSize = bytes;
      return this;
    }

    /** Parts of one upload in flight at once (memory: part size times this, plus one); default 4. */
    public Builder parallelism(int parts) {
      this.parallelism = parts;
      return this;
    }

    /** Sends of one part the server rejects as corrupted before the upload fails; default 3. */
    public Builder partAttempts(int attempts) {
      this.partAttempts = attempts;
      return this;
    }

    /** Keys per ListObjectsV2 page, 1 to 1000; default 1000. */
    public Builder listPageSize(int keys) {
      this.listPageSize = keys;
      return this;
    }

    /**
     * Attempts per request of the provider's own client (SDK standard retries), and consecutive attempts
     * of a download to continue after its connection broke; default 3.
     */
    public Builder maxAttempts(int attempts) {
      this.maxAttempts = attempts;
      return this;
    }

    /** AWS region; default the SDK's region chain, or {@code us-east-1} when an endpoint is set. */
    public Builder region(String region) {
      this.region = region;
      return this;
    }

    /** Endpoint of an S3-compatible server (or a VPC endpoint); default AWS's. */
    public Builder endpoint(URI endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** Path-style URLs ({@code endpoint/bucket/key}) instead of virtual hosts; most S3-compatible servers need it. */
    public Builder pathStyle(boolean pathStyle) {
      this.pathStyle = pathStyle;
      return this;
    }

    /** Default: the SDK's default chain (environment, profile, SSO, container or instance role). */
    public Builder credentials(AwsCredentialsProvider credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Default 10 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** Longest wait for data on an open connection; default 60 s. */
    public Builder socketTimeout(Duration timeout) {
      this.socketTimeout = timeout;
      return this;
    }

    /**
     * The longest one request may take, all its retries included (the SDK's API call timeout); default
     * 60 s. A storage endpoint that hangs fails the operation within it ({@code DEPENDENCY_UNAVAILABLE}).
     * Raise it for parts that take longer to send over a slow link. The body of a download is bounded by
     * {@link #socketTimeout} per read instead.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** HTTP connections the client may hold open; default 50. */
    public Builder maxConnections(int connections) {
      this.maxConnections = connections;
      return this;
    }

    public S3StorageProvider build() {
      if (bucket == null || !BUCKET_NAME.matcher(bucket).matches()) {
        throw invalid("bucket", "must be a bucket name (3 to 255 letters, digits, '.', '_' or '-'), was '"
            + (bucket == null ? "" : bucket.replaceAll("\\p{Cntrl}", "?")) + "'");
      }
      if (keyPrefix == null) {
        keyPrefix = "";
      }
      try {
        new ObjectKeys(keyPrefix);
      } catch (MaintenanceException e) {
        throw invalid("key-prefix", "is not a valid key prefix: " + e.getMessage());
      }
      if (checksumMode == null) {
        throw invalid("checksum", "must be crc32c or md5");
      }
      if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
        throw invalid("part-size", "must be between 5MiB and 1GiB, was " + partSize + " bytes");
      }
      requireRange("parallelism", parallelism, 1, 64);
      requireRange("part-attempts", partAttempts, 1, 20);
      requireRange("list-page-size", listPageSize, 1, 1000);
      requireRange("max-attempts", maxAttempts, 1, 20);
      if (serverSideEncryption == ServerSideEncryption.UNKNOWN_TO_SDK_VERSION) {
        throw invalid("server-side-encryption", "must be AES256 or aws:kms");
      }
      if (sseKmsKeyId != null && serverSideEncryption != ServerSideEncryption.AWS_KMS
          && serverSideEncryption != ServerSideEncryption.AWS_KMS_DSSE) {
        throw invalid("sse-kms-key-id", "needs server-side-encryption=aws:kms");
      }
      if (storageClass == StorageClass.GLACIER || storageClass == StorageClass.DEEP_ARCHIVE
          || storageClass == StorageClass.UNKNOWN_TO_SDK_VERSION) {
        throw invalid("storage-class", "must be a class whose objects can be read directly (STANDARD, STANDARD_IA, "
            + "ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, ...); " + storageClass + " objects need a restore before each read");
      }
      if (client != null) {
        if (region != null || endpoint != null || pathStyle != null || credentials != null || connectTimeout != null
            || socketTimeout != null || requestTimeout != null || maxConnections != null) {
          throw invalid("client", "a host-provided S3 client is used as configured: do not also set region, endpoint,"
              + " path style, credentials, timeouts or connections");
        }
        return new S3StorageProvider(this, client, false);
      }
      Duration connect = connectTimeout == null ? Duration.ofSeconds(10) : connectTimeout;
      Duration socket = socketTimeout == null ? Duration.ofSeconds(60) : socketTimeout;
      if (connect.isNegative() || connect.isZero()) {
        throw invalid("connect-timeout", "must be positive");
      }
      if (socket.isNegative() || socket.isZero()) {
        throw invalid("socket-timeout", "must be positive");
      }
      Duration request = requestTimeout == null ? Duration.ofSeconds(60) : requestTimeout;
      if (request.isNegative() || request.isZero()) {
        throw invalid("request-timeout", "must be positive");
      }
      int connections = maxConnections == null ? 50 : maxConnections;
      requireRange("max-connections", connections, 1, 1000);
      if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null
          || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")))) {
        throw invalid("endpoint", "must be an http(s) URL, was '" + endpoint + "'");
      }
      S3Client built = S3Clients.build(new S3Clients.Settings(Optional.ofNullable(region), Optional.ofNullable(endpoint),
          pathStyle != null && pathStyle, Optional.ofNullable(credentials), connect, socket, connections, maxAttempts, request));
      return new S3StorageProvider(this, built, true);
    }

    private static void requireRange(String key, long value, long min, long max) {
      if (value < min || value > max) {
        throw invalid(key, "must be between " + min + " and " + max + ", was " + value);
      }
    }

    private static MaintenanceException invalid(String key, String problem) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID, "storage s3: '" + key + "' " + problem,
          Map.of("owner", "storage s3", "key", key));
    }
  }
}
