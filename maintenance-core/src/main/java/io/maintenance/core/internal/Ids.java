package io.maintenance.core.internal;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/** Identifiers that sort by creation time and say what they are: {@code bk-20261126-083100-3f9a2c1b}. */
public final class Ids {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** {@code bytes} random bytes as lower-case hex. */
  public static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  public static String next(String kind, Clock clock) {
    byte[] suffix = new byte[4];
    RANDOM.nextBytes(suffix);
    return kind + "-" + STAMP.format(clock.instant()) + "-" + HexFormat.of().formatHex(suffix);
  }
}
