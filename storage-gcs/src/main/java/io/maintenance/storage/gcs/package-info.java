/**
 * The Google Cloud Storage plugin (type {@code gcs}): {@code GcsStorageProvider} with its builder and
 * {@code GcsStorageProviderFactory}. Promised like the SPI; settings in docs/storage-gcs.md.
 */
package io.maintenance.storage.gcs;
