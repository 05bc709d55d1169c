package io.maintenance.api;

/** How an artifact's bytes are stored. Checksums are always of the stored bytes. */
public enum Compression {
  NONE,
  GZIP
}
