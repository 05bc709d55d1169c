package io.maintenance.datastore.qdrant.internal;

import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Qdrant release number such as {@code 1.15.0} (pre-release suffixes are ignored). */
public record ServerVersion(int major, int minor, int patch) implements Comparable<ServerVersion> {
  /** Oldest server with snapshot checksums and the {@code checksum} parameter of uploads. */
  public static final ServerVersion MINIMUM = new ServerVersion(1, 8, 0);

  private static final Pattern FORM = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");
  private static final Comparator<ServerVersion> ORDER =
      Comparator.comparingInt(ServerVersion::major).thenComparingInt(ServerVersion::minor).thenComparingInt(ServerVersion::patch);

  public static ServerVersion parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a Qdrant version: '" + text + "'");
    }
    return new ServerVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
  }

  /**
   * Whether a server of this version can load a snapshot made by {@code creator}: Qdrant supports
   * snapshots of the same minor release and of the one before (1.14 loads into 1.14 and 1.15, not 1.16).
   */
  public boolean canLoadSnapshotOf(ServerVersion creator) {
    return major == creator.major && (minor == creator.minor || minor == creator.minor + 1);
  }

  public boolean supported() {
    return compareTo(MINIMUM) >= 0;
  }

  @Override
  public int compareTo(ServerVersion o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
