/**
 * The local file system plugin (type {@code local}): {@code LocalStorageProvider} with its builder and
 * {@code LocalStorageProviderFactory}. Promised like the SPI; settings in docs/storage-local.md.
 */
package io.maintenance.storage.local;
