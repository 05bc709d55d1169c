package io.maintenance.storage.s3;

import java.util.Locale;
import java.util.Optional;

/** Which checksum every uploaded part and object carries, for the server to verify before it accepts the bytes. */
public enum ChecksumMode {
  /**
   * CRC32C in {@code x-amz-checksum-crc32c} (multipart uploads are created with the CRC32C algorithm).
   * The default; supported by AWS S3 and current S3-compatible servers.
   */
  CRC32C,
  /**
   * MD5 in {@code Content-MD5}, and no flexible-checksum headers at all: for S3-compatible servers that reject
   * {@code x-amz-checksum-*} or {@code x-amz-sdk-checksum-algorithm} (for example with 501 NotImplemented).
   */
  MD5;

  /** The mode named by a configuration value ({@code crc32c}, {@code md5}), case-insensitive. */
  public static Optional<ChecksumMode> parse(String value) {
    for (ChecksumMode m : values()) {
      if (m.name().equals(value.trim().toUpperCase(Locale.ROOT))) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  /** The configuration value of this mode. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
