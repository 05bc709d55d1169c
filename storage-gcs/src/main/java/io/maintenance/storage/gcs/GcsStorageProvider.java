package io.maintenance.storage.gcs;

import com.google.api.client.http.HttpRequestFactory;
import com.google.api.gax.paging.Page;
import com.google.auth.ServiceAccountSigner;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.SignUrlOption;
import com.google.cloud.storage.StorageException;
import com.google.cloud.storage.StorageOptions;
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
import io.maintenance.storage.gcs.internal.GcsErrors;
import io.maintenance.storage.gcs.internal.GcsProbe;
import io.maintenance.storage.gcs.internal.GcsUpload;
import io.maintenance.storage.gcs.internal.JsonApi;
import io.maintenance.storage.gcs.internal.MediaReads;
import io.maintenance.storage.gcs.internal.ResumableUploads;
import io.maintenance.storage.gcs.internal.RetryPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Backup artifacts in a Google Cloud Storage bucket, under an optional prefix.
 *
 * <p>Uploads are GCS resumable upload sessions fed chunk by chunk (memory bounded by the chunk
 * size); the session URI, committed offset and CRC32C travel in the {@link UploadState}, so another
 * process can finish an upload. The server verifies the CRC32C of the whole object before creating
 * it. Reads are ranged and pinned to an object generation. Build one with {@link #builder()} around
 * a {@link Storage} the host configured, or let {@link GcsStorageProviderFactory} build it from configuration.
 */
public final class GcsStorageProvider implements StorageProvider {
  public static final String NAME = "gcs";
  public static final int DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
  public static final int DEFAULT_MAX_ATTEMPTS = 6;
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(500);
  public static final int DEFAULT_PAGE_SIZE = 1000;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(60);
  /** Signed URLs (V4) live at most seven days. */
  public static final Duration MAX_PRESIGN_TTL = Duration.ofDays(7);

  private static final String GOOGLE_HOST = "https://storage.googleapis.com";
  private static final Pattern KMS_KEY_NAME =
      Pattern.compile("projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+");
  private static final Set<String> STORAGE_CLASSES = Set.of("STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE");
  private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]");

  private final Storage storage;
  private final boolean closeStorage;
  private final String bucket;
  private final String keyPrefix;
  private final int chunkSize;
  private final int pageSize;
  private final Optional<ServiceAccountSigner> signer;
  private final String host;
  private final ResumableUploads uploads;
  private final MediaReads reads;

  private GcsStorageProvider(Builder b) {
    this.storage = b.storage;
    this.closeStorage = b.closeStorage;
    this.bucket = b.bucket;
    this.keyPrefix = b.keyPrefix;
    this.chunkSize = (int) b.chunkSize;
    this.pageSize = b.pageSize;
    this.signer = Optional.ofNullable(b.signer);
    StorageOptions options = storage.getOptions();
    HttpTransportOptions transport = (HttpTransportOptions) options.getTransportOptions(); // checked by build()
    HttpRequestFactory requests =
        transport.getHttpTransportFactory().create().createRequestFactory(transport.getHttpRequestInitializer(options));
    this.host = options.getHost();
    JsonApi api = new JsonApi(requests, host, bucket, new RetryPolicy(b.maxAttempts, b.retryDelay, b.requestTimeout));
    this.uploads = new ResumableUploads(api, Optional.ofNullable(b.kmsKeyName), Optional.ofNullable(b.storageClass));
    this.reads = new MediaReads(api);
  }

  public static Builder builder() {
    return new Builder();
  }

  public String bucket() {
    return bucket;
  }

  /** The object-name prefix every key is stored under: empty or ending in {@code /}. */
  public String keyPrefix() {
    return keyPrefix;
  }

  public int chunkSize() {
    return chunkSize;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Upload startUpload(String key, UploadOptions options) throws IOException {
    String name = objectName(key);
    return GcsUpload.start(uploads, key, name, chunkSize, options);
  }

  @Override
  public Upload resumeUpload(UploadState state, UploadOptions options) throws IOException {
    return GcsUpload.resume(uploads, state, objectName(state.key()), options);
  }

  @Override
  public void abortUpload(UploadState state) throws IOException {
    StorageKeys.validate(state.key());
    String session = state.attributes().get(GcsUpload.SESSION);
    if (session != null) {
      uploads.cancel(session, "abort of the upload of '" + state.key() + "'");
    }
  }

  @Override
  public InputStream openRead(ReadRequest request) throws IOException {
    String key = request.key();
    String name = objectName(key);
    OptionalLong generation = generation(request.version(), key);
    String what = "read of '" + key + "'";
    if (request.length() == 0) {
      Optional<ObjectInfo> info = stat(key);
      if (info.isEmpty()) {
        throw new NoSuchFileException(key);
      }
      if (generation.isPresent() && !info.get().version().equals(request.version())) {
        throw reads.changed(what, generation);
      }
      return InputStream.nullInputStream();
    }
    Optional<InputStream> in = reads.open(name, request.offset(), request.length(), generation, what);
    if (in.isPresent()) {
      return in.get();
    }
    // 404: either no object, or (pinned) a generation that is gone because the object was replaced.
    if (generation.isPresent() && stat(key).isPresent()) {
      throw reads.changed(what, generation);
    }
    throw new NoSuchFileException(key);
  }

  @Override
  public Optional<ObjectInfo> stat(String key) throws IOException {
    String name = objectName(key);
    try {
      Blob blob = storage.get(BlobId.of(bucket, name));
      return blob == null ? Optional.empty() : Optional.of(info(key, blob));
    } catch (StorageException e) {
      throw GcsErrors.translate(e, "stat of '" + key + "'", bucket);
    }
  }

  @Override
  public Stream<ObjectInfo> list(String listPrefix) throws IOException {
    StorageKeys.prefix(listPrefix);
    String what = "listing of '" + listPrefix + "'";
    Iterator<Blob> blobs;
    try {
      Page<Blob> first = storage.list(bucket, BlobListOption.prefix(keyPrefix + listPrefix), BlobListOption.pageSize(pageSize));
      blobs = first.iterateAll().iterator(); // fetches further pages as the stream is consumed
    } catch (StorageException e) {
      throw GcsErrors.translate(e, what, bucket);
    }
    Iterator<ObjectInfo> infos = new Iterator<>() {
      private ObjectInfo next;

      @Override
      public boolean hasNext() {
        try {
          while (next == null && blobs.hasNext()) {
            Blob b = blobs.next();
            String key = b.getName().substring(keyPrefix.length());
            if (validKey(key)) { // objects not written through a provider (e.g. "folder/") are not artifacts
              next = info(key, b);
            }
          }
          return next != null;
        } catch (StorageException e) {
          throw GcsErrors.translate(e, what, bucket);
        }
      }

      @Override
      public ObjectInfo next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        ObjectInfo n = next;
        next = null;
        return n;
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(infos, java.util.Spliterator.ORDERED), false);
  }

  @Override
  public boolean delete(String key) throws IOException {
    String name = objectName(key);
    try {
      return storage.delete(BlobId.of(bucket, name));
    } catch (StorageException e) {
      throw GcsErrors.translate(e, "delete of '" + key + "'", bucket);
    }
  }

  @Override
  public ProbeResult probe() {
    return GcsProbe.run(storage, uploads, keyPrefix, host);
  }

  @Override
  public Optional<URI> presignGet(String key, Duration ttl) throws IOException {
    String name = objectName(key);
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_PRESIGN_TTL) > 0) {
      throw new MaintenanceException(ErrorCode.INVALID_REQUEST, "a signed URL must live between 1 second and 7 days, not " + ttl);
    }
    List<SignUrlOption> options = new ArrayList<>();
    options.add(SignUrlOption.withV4Signature());
    signer.ifPresent(s -> options.add(SignUrlOption.signWith(s)));
    if (!GOOGLE_HOST.equals(host)) {
      options.add(SignUrlOption.withHostName(host));
    }
    try {
      return Optional.of(storage.signUrl(BlobInfo.newBuilder(bucket, name).build(), Math.max(1, ttl.toSeconds()),
          TimeUnit.SECONDS, options.toArray(SignUrlOption[]::new)).toURI());
    } catch (IllegalStateException e) {
      return Optional.empty(); // the credentials cannot sign (user or anonymous credentials)
    } catch (URISyntaxException e) {
      throw new MaintenanceException(ErrorCode.STORAGE_FAILURE, "signed URL for '" + key + "' is not a valid URI", e);
    }
  }

  @Override
  public void close() throws IOException {
    if (closeStorage) {
      try {
        storage.close();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException("closing the Cloud Storage client failed", e);
      }
    }
  }

  @Override
  public String toString() {
    return "GcsStorageProvider[gs://" + bucket + "/" + keyPrefix + "]";
  }

  private String objectName(String key) {
    return keyPrefix + StorageKeys.validate(key);
  }

  private static boolean validKey(String key) {
    try {
      StorageKeys.validate(key);
      return true;
    } catch (MaintenanceException e) {
      return false;
    }
  }

  private static OptionalLong generation(Optional<String> version, String key) {
    if (version.isEmpty()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(version.get()));
    } catch (NumberFormatException e) {
      throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
          "read of '" + key + "' is pinned to version '" + version.get() + "', which is no GCS generation", Map.of("key", key));
    }
  }

  private static ObjectInfo info(String key, Blob b) {
    Instant updated = b.getUpdateTimeOffsetDateTime() != null ? b.getUpdateTimeOffsetDateTime().toInstant()
        : b.getCreateTimeOffsetDateTime() != null ? b.getCreateTimeOffsetDateTime().toInstant() : Instant.EPOCH;
    long size = b.getSize() == null ? 0 : b.getSize();
    return new ObjectInfo(key, size, updated, Optional.ofNullable(b.getGeneration()).map(String::valueOf));
  }

  /**
   * Options of a {@link GcsStorageProvider}; {@link #storage} and {@link #bucket} are required. Settings are
   * checked in {@link #build()}, which fails with {@code CONFIG_INVALID} naming the setting.
   */
  public static final class Builder {
    private Storage storage;
    private boolean closeStorage;
    private String bucket;
    private String keyPrefix = "";
    private long chunkSize = DEFAULT_CHUNK_SIZE;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration retryDelay = DEFAULT_RETRY_DELAY;
    private int pageSize = DEFAULT_PAGE_SIZE;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private ServiceAccountSigner signer;
    private String kmsKeyName;
    private String storageClass;

    private Builder() {}

    /**
     * Customer-managed encryption key (CMEK) for every object written:
     * {@code projects/P/locations/L/keyRings/R/cryptoKeys/K}; default the bucket's default key (or Google's).
     */
    public Builder kmsKeyName(String kmsKeyName) {
      this.kmsKeyName = kmsKeyName;
      return this;
    }

    /** Storage class of every object written ({@code STANDARD}, {@code NEARLINE}, {@code COLDLINE}, {@code ARCHIVE}); default the bucket's. */
    public Builder storageClass(String storageClass) {
      this.storageClass = storageClass;
      return this;
    }

    /** A client built with {@code StorageOptions.http()} (the provider speaks the JSON API through its transport). */
    public Builder storage(Storage storage) {
      this.storage = storage;
      return this;
    }

    /** Whether {@link GcsStorageProvider#close()} closes the client too (default false: the host owns it). */
    public Builder closeStorage(boolean close) {
      this.closeStorage = close;
      return this;
    }

    public Builder bucket(String bucket) {
      this.bucket = bucket;
      return this;
    }

    /** Object-name prefix for every key, e.g. {@code backups/prod}; default none. */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
      return this;
    }

    /** Bytes per upload request and per buffer; a multiple of 256 KiB, at most 1 GiB. Default 16 MiB. */
    public Builder chunkSize(long chunkSize) {
      this.chunkSize = chunkSize;
      return this;
    }

    /** Attempts per call before a transient failure (network, 408, 429, 5xx) is reported. Default 6. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** First pause between attempts, doubled each time with jitter (at most 30 s). Default 500 ms. */
    public Builder retryDelay(Duration retryDelay) {
      this.retryDelay = retryDelay;
      return this;
    }

    /**
     * The longest one upload, download or session call may take, retries included (default 60 s): a hung
     * server fails it within this time with {@code DEPENDENCY_UNAVAILABLE}. (Listing, stat and delete go
     * through the Storage given to {@link #storage}; its retry settings' total timeout bounds them.)
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** Objects per listing page, 1 to 5000. Default 1000. */
    public Builder pageSize(int pageSize) {
      this.pageSize = pageSize;
      return this;
    }

    /** Signs {@link #presignGet} URLs when the client's own credentials cannot. */
    public Builder signer(ServiceAccountSigner signer) {
      this.signer = signer;
      return this;
    }

    public GcsStorageProvider build() {
      if (storage == null) {
        throw invalid("storage", "is required");
      }
      if (!(storage.getOptions().getTransportOptions() instanceof HttpTransportOptions)) {
        throw invalid("storage", "must use the JSON API (StorageOptions.http()), not gRPC");
      }
      if (bucket == null || !BUCKET_NAME.matcher(bucket).matches()) {
        throw invalid("bucket", "must be a bucket name (3-222 of a-z 0-9 . _ -), was '" + bucket + "'");
      }
      if (keyPrefix == null) {
        keyPrefix = "";
      }
      if (!keyPrefix.isEmpty()) {
        String p = keyPrefix.endsWith("/") ? keyPrefix : keyPrefix + "/";
        try {
          StorageKeys.prefix(p);
        } catch (MaintenanceException e) {
          throw invalid("key-prefix", "is not a valid key prefix: " + e.getMessage());
        }
        keyPrefix = p;
      }
      if (chunkSize < GcsUpload.CHUNK_GRANULARITY || chunkSize % GcsUpload.CHUNK_GRANULARITY != 0 || chunkSize > (1L << 30)) {
        throw invalid("chunk-size", "must be a multiple of 256KiB between 256KiB and 1GiB, was " + chunkSize);
      }
      if (maxAttempts < 1) {
        throw invalid("max-attempts", "must be at least 1, was " + maxAttempts);
      }
      if (retryDelay == null || retryDelay.isNegative()) {
        throw invalid("retry-delay", "must not be negative");
      }
      if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw invalid("request-timeout", "must be positive");
      }
      if (pageSize < 1 || pageSize > 5000) {
        throw invalid("page-size", "must be between 1 and 5000, was " + pageSize);
      }
      if (kmsKeyName != null && !KMS_KEY_NAME.matcher(kmsKeyName).matches()) {
        throw invalid("kms-key-name", "must look like projects/P/locations/L/keyRings/R/cryptoKeys/K, was '" + kmsKeyName + "'");
      }
      if (storageClass != null) {
        storageClass = storageClass.toUpperCase(Locale.ROOT);
        if (!STORAGE_CLASSES.contains(storageClass)) {
          throw invalid("storage-class", "must be one of " + STORAGE_CLASSES + ", was '" + storageClass + "'");
        }
      }
      return new GcsStorageProvider(this);
    }

    private static MaintenanceException invalid(String key, String problem) {
      return new MaintenanceException(ErrorCode.CONFIG_INVALID, "storage gcs: '" + key + "' " + problem,
          Map.of("owner", "storage gcs", "key", key));
    }
  }
}
