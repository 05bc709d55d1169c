package io.maintenance.storage.s3.internal;

import java.util.Optional;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * What every object write asks of S3: server-side encryption (SSE-S3, or SSE-KMS with a key id) and a
 * storage class; empty means the bucket's defaults.
 */
public record WriteOptions(Optional<ServerSideEncryption> sse, Optional<String> kmsKeyId, Optional<StorageClass> storageClass) {
  public static final WriteOptions BUCKET_DEFAULTS = new WriteOptions(Optional.empty(), Optional.empty(), Optional.empty());

  void apply(CreateMultipartUploadRequest.Builder r) {
    sse.ifPresent(r::serverSideEncryption);
    kmsKeyId.ifPresent(r::ssekmsKeyId);
    storageClass.ifPresent(r::storageClass);
  }

  void apply(PutObjectRequest.Builder r) {
    sse.ifPresent(r::serverSideEncryption);
    kmsKeyId.ifPresent(r::ssekmsKeyId);
    storageClass.ifPresent(r::storageClass);
  }
}
