package io.maintenance.storage.s3.internal;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.spi.ObjectInfo;
import io.maintenance.storage.s3.ChecksumMode;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * The S3 requests the provider makes, on one bucket under one key prefix. Methods take provider keys
 * (validated and mapped by {@link ObjectKeys}) and throw {@link MaintenanceException}s that name them.
 */
public final class S3Bucket {
  private static final Logger LOG = LoggerFactory.getLogger(S3Bucket.class);
  private static final String OCTET_STREAM = "application/octet-stream";

  private final S3Client client;
  private final String bucket;
  private final ObjectKeys keys;
  private final int partAttempts;
  private final int listPageSize;
  private final WriteOptions writeOptions;

  /** A part that the server accepted. */
  public record Part(int number, String etag, Optional<String> crc32c) {}

  /**
   * @param partAttempts how often a part (or small object) the server rejected for its checksum is sent
   * @param listPageSize keys per ListObjectsV2 page
   */
  public S3Bucket(S3Client client, String bucket, ObjectKeys keys, int partAttempts, int listPageSize) {
    this(client, bucket, keys, partAttempts, listPageSize, WriteOptions.BUCKET_DEFAULTS);
  }

  /** @param writeOptions server-side encryption and storage class of every object written */
  public S3Bucket(S3Client client, String bucket, ObjectKeys keys, int partAttempts, int listPageSize, WriteOptions writeOptions) {
    this.writeOptions = writeOptions;
    this.client = client;
    this.bucket = bucket;
    this.keys = keys;
    this.partAttempts = partAttempts;
    this.listPageSize = listPageSize;
  }

  public S3Client client() {
    return client;
  }

  public String name() {
    return bucket;
  }

  public ObjectKeys keys() {
    return keys;
  }

  public String createMultipart(String key, String contentType, ChecksumMode mode) {
    CreateMultipartUploadRequest.Builder req = CreateMultipartUploadRequest.builder()
        .bucket(bucket).key(keys.objectKey(key)).contentType(contentType);
    writeOptions.apply(req);
    if (mode == ChecksumMode.CRC32C) {
      req.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
    }
    try {
      return client.createMultipartUpload(req.build()).uploadId();
    } catch (SdkException e) {
      throw S3Errors.failure("CreateMultipartUpload", key, e);
    }
  }

  /** Sends one part with its checksum; a part the server rejects as corrupted is sent again, up to partAttempts times. */
  public Part uploadPart(String key, String uploadId, int partNumber, byte[] data, int length, ChecksumMode mode) {
    String checksum = checksum(mode, data, length);
    UploadPartRequest.Builder req = UploadPartRequest.builder()
        .bucket(bucket).key(keys.objectKey(key)).uploadId(uploadId).partNumber(partNumber).contentLength((long) length);
    if (mode == ChecksumMode.CRC32C) {
      req.checksumCRC32C(checksum);
    } else {
      req.contentMD5(checksum);
    }
    UploadPartRequest request = req.build();
    String etag = withChecksumRetries("UploadPart", key, "part " + partNumber,
        () -> client.uploadPart(request, body(data, length, OCTET_STREAM)).eTag());
    return new Part(partNumber, unquote(etag), mode == ChecksumMode.CRC32C ? Optional.of(checksum) : Optional.empty());
  }

  /** Writes a whole (small) object in one request with its checksum; returns its ETag. */
  public String putObject(String key, String contentType, byte[] data, int length, ChecksumMode mode) {
    String checksum = checksum(mode, data, length);
    PutObjectRequest.Builder req = PutObjectRequest.builder()
        .bucket(bucket).key(keys.objectKey(key)).contentType(contentType).contentLength((long) length);
    writeOptions.apply(req);
    if (mode == ChecksumMode.CRC32C) {
      req.checksumCRC32C(checksum);
    } else {
      req.contentMD5(checksum);
    }
    PutObjectRequest request = req.build();
    return unquote(withChecksumRetries("PutObject", key, "object",
        () -> client.putObject(request, body(data, length, contentType)).eTag()));
  }

  /** Makes a multipart upload visible; returns the object's ETag. */
  public String completeMultipart(String key, String uploadId, List<Part> parts) {
    List<CompletedPart> completed = new ArrayList<>(parts.size());
    for (Part p : parts) {
      completed.add(CompletedPart.builder().partNumber(p.number()).eTag(quote(p.etag())).checksumCRC32C(p.crc32c().orElse(null)).build());
    }
    try {
      return unquote(client.completeMultipartUpload(b -> b.bucket(bucket).key(keys.objectKey(key)).uploadId(uploadId)
          .multipartUpload(m -> m.parts(completed))).eTag());
    } catch (SdkException e) {
      throw S3Errors.failure("CompleteMultipartUpload", key, e);
    }
  }

  /** Aborts a multipart upload; false if the server no longer knew it (already aborted or completed). */
  public boolean abortMultipart(String key, String uploadId) {
    return abortMultipartAt(keys.objectKey(key), key, uploadId);
  }

  /** Aborts a multipart upload at an object key recorded earlier; {@code key} names it in errors. */
  public boolean abortMultipartAt(String objectKey, String key, String uploadId) {
    try {
      client.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
      return true;
    } catch (SdkException e) {
      if (S3Errors.isNoSuchUpload(e)) {
        return false;
      }
      throw S3Errors.failure("AbortMultipartUpload", key, e);
    }
  }

  /** The ETags of the parts the server holds for an upload, by part number; empty if the upload is gone. */
  public Optional<Map<Integer, String>> listParts(String key, String uploadId) {
    Map<Integer, String> parts = new LinkedHashMap<>();
    try {
      client.listPartsPaginator(b -> b.bucket(bucket).key(keys.objectKey(key)).uploadId(uploadId))
          .parts().forEach(p -> parts.put(p.partNumber(), unquote(p.eTag())));
      return Optional.of(parts);
    } catch (SdkException e) {
      if (S3Errors.isNoSuchUpload(e)) {
        return Optional.empty();
      }
      throw S3Errors.failure("ListParts", key, e);
    }
  }

  /**
   * Size and version of an object; empty if it does not exist.
   *
   * @param ifMatch if present, fails with {@code INTEGRITY_MISMATCH} unless the object still has this ETag
   */
  public Optional<ObjectInfo> head(String key, Optional<String> ifMatch) {
    HeadObjectRequest.Builder req = HeadObjectRequest.builder().bucket(bucket).key(keys.objectKey(key));
    ifMatch.ifPresent(v -> req.ifMatch(quote(v)));
    try {
      HeadObjectResponse r = client.headObject(req.build());
      return Optional.of(new ObjectInfo(key, r.contentLength(), orEpoch(r.lastModified()), Optional.of(unquote(r.eTag()))));
    } catch (SdkException e) {
      if (S3Errors.isNotFound(e)) {
        confirmAbsent(key);
        return Optional.empty();
      }
      if (ifMatch.isPresent() && S3Errors.isPreconditionFailed(e)) {
        throw changed(key, ifMatch.get());
      }
      throw S3Errors.failure("HeadObject", key, e);
    }
  }

  /**
   * A HEAD answer has no body, so its 404 cannot tell a missing object from a missing bucket (or, on some
   * servers, from an unknown access key): a one-key listing at the key tells them apart.
   */
  private void confirmAbsent(String key) {
    try {
      client.listObjectsV2(b -> b.bucket(bucket).prefix(keys.objectKey(key)).maxKeys(1));
    } catch (SdkException e) {
      throw S3Errors.failure("HeadObject", key, e);
    }
  }

  /** Deletes an object; false if it was not there. */
  public boolean delete(String key) {
    if (head(key, Optional.empty()).isEmpty()) {
      return false;
    }
    try {
      client.deleteObject(b -> b.bucket(bucket).key(keys.objectKey(key)));
      return true;
    } catch (SdkException e) {
      throw S3Errors.failure("DeleteObject", key, e);
    }
  }

  /** Objects under a provider prefix, in key order, one ListObjectsV2 page at a time as the stream is consumed. */
  public Stream<ObjectInfo> list(String prefix) {
    String s3Prefix = keys.listPrefix(prefix);
    Iterator<S3Object> translated = new Iterator<>() {
      private Iterator<S3Object> objects;

      @Override
      public boolean hasNext() {
        try {
          if (objects == null) {
            // The first page is requested here, when the stream is first consumed.
            objects = client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(s3Prefix).maxKeys(listPageSize))
                .contents().iterator();
          }
          return objects.hasNext();
        } catch (SdkException e) {
          throw S3Errors.failure("ListObjectsV2", prefix, e);
        }
      }

      @Override
      public S3Object next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        try {
          return objects.next();
        } catch (SdkException e) {
          throw S3Errors.failure("ListObjectsV2", prefix, e);
        }
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(translated, Spliterator.ORDERED | Spliterator.NONNULL), false)
        .flatMap(o -> keys.providerKey(o.key())
            .map(k -> new ObjectInfo(k, o.size(), orEpoch(o.lastModified()), Optional.ofNullable(o.eTag()).map(S3Bucket::unquote)))
            .stream());
  }

  /** The error of a read or stat pinned to a version the object no longer has. */
  public static MaintenanceException changed(String key, String version) {
    return new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH,
        "object '" + key + "' changed: version " + version + " is no longer current, so the read would mix versions",
        Map.of("key", key, "expectedVersion", version));
  }

  public static String quote(String etag) {
    return etag.startsWith("\"") ? etag : "\"" + etag + "\"";
  }

  public static String unquote(String etag) {
    if (etag == null) {
      return "";
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
  }

  private <T> T withChecksumRetries(String operation, String key, String what, Supplier<T> request) {
    for (int attempt = 1; ; attempt++) {
      try {
        return request.get();
      } catch (SdkException e) {
        if (!S3Errors.isChecksumRejection(e)) {
          throw S3Errors.failure(operation, key, e);
        }
        if (attempt >= partAttempts) {
          Map<String, String> details = new LinkedHashMap<>();
          details.put("key", key);
          details.put("operation", operation);
          details.put("attempts", Integer.toString(attempt));
          details.put("s3Code", S3Errors.code(e));
          throw new MaintenanceException(ErrorCode.INTEGRITY_MISMATCH, "S3 rejected " + what + " of '" + key
              + "' as corrupted (its bytes did not match the checksum sent with them) " + attempt + " times in a row: "
              + S3Errors.describe(e) + "; the upload was not completed", details, e);
        }
        LOG.warn("S3 rejected {} of '{}' as corrupted ({}), sending it again (attempt {} of {})",
            what, key, S3Errors.describe(e), attempt + 1, partAttempts);
      }
    }
  }

  private static String checksum(ChecksumMode mode, byte[] data, int length) {
    return mode == ChecksumMode.CRC32C ? Checksums.crc32c(data, 0, length) : Checksums.md5(data, 0, length);
  }

  /** A body over the caller's array without copying it; the SDK may read it more than once (signing, retries). */
  private static RequestBody body(byte[] data, int length, String contentType) {
    return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, contentType);
  }

  private static Instant orEpoch(Instant t) {
    return t == null ? Instant.EPOCH : t;
  }
}
