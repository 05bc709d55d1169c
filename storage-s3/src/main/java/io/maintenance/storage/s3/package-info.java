/**
 * The Amazon S3 (and S3-compatible) plugin (type {@code s3}): {@code S3StorageProvider} with its builder
 * and {@code S3StorageProviderFactory}. Promised like the SPI; settings in docs/storage-s3.md.
 */
package io.maintenance.storage.s3;
