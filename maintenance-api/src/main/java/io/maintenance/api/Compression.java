package io.maintenance.api;

/**
 * How an artifact's bytes are compressed before they are stored (and encrypted, when encryption is
 * on). The engine chooses it by its {@code artifacts.compression} policy; checksums are always of the
 * stored bytes.
 */
public enum Compression {
  NONE,
  /** Written by plugins that compressed by themselves before the engine did; still read. */
  GZIP,
  /** Zstandard frames (the default). */
  ZSTD
}
