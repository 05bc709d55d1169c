package io.maintenance.spi;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * String key/values a plugin is created from (from a properties file, environment, or code).
 * Every accessor fails with {@link ErrorCode#CONFIG_INVALID} naming the key, never with a bare
 * {@code NumberFormatException}. {@link #toString()} masks values whose key looks secret.
 */
public final class PluginConfig {
  private static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|secret|token|credential|api[-_.]?key|private).*");

  private final String owner;
  private final Map<String, String> values;
  private final boolean collecting;
  /** Bad values met while collecting (see {@link #collecting}). */
  private final java.util.List<MaintenanceException> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Keys a plugin asked for: what is left over was misspelled or has no effect. */
  private final java.util.Set<String> read = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private PluginConfig(String owner, Map<String, String> values, boolean collecting) {
    this.owner = Objects.requireNonNull(owner, "owner");
    this.values = Map.copyOf(values);
    this.collecting = collecting;
  }

  /** @param owner who the config is for, used in error messages (e.g. {@code storage s3}) */
  public static PluginConfig of(String owner, Map<String, String> values) {
    return new PluginConfig(owner, values, false);
  }

  public static PluginConfig empty(String owner) {
    return new PluginConfig(owner, Map.of(), false);
  }

  /**
   * A config whose accessors record a missing or bad value (and answer the default, or {@code ""} for a
   * required key) instead of throwing, so that one start can name every mistake: the engine creates
   * plugins with it and then reports {@link #problems()} with the unknown keys. A plugin's own
   * {@code throw config.invalid(...)} still throws.
   */
  public static PluginConfig collecting(String owner, Map<String, String> values) {
    return new PluginConfig(owner, values, true);
  }

  /** The missing and bad values a {@link #collecting} config met, in the order they were read. */
  public java.util.List<MaintenanceException> problems() {
    return java.util.List.copyOf(problems);
  }

  /** Throws the problem, or records it and answers {@code fallback} when collecting. */
  private <T> T bad(String key, String problem, T fallback) {
    MaintenanceException e = invalid(key, problem);
    if (!collecting) {
      throw e;
    }
    problems.add(e);
    return fallback;
  }

  /** All values; counts as reading every key. */
  public Map<String, String> asMap() {
    read.addAll(values.keySet());
    return values;
  }

  public Optional<String> optional(String key) {
    read.add(key);
    String v = values.get(key);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /** A comma-separated list, blanks dropped; empty when the key is not set. */
  public java.util.List<String> list(String key) {
    return optional(key).map(v -> java.util.Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList())
        .orElse(java.util.List.of());
  }

  public String require(String key) {
    return optional(key).orElseGet(() -> bad(key, "is required", ""));
  }

  public String string(String key, String defaultValue) {
    return optional(key).orElse(defaultValue);
  }

  public int integer(String key, int defaultValue) {
    long v = longValue(key, defaultValue);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      return bad(key, "must be between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE + ", was '" + v + "'", defaultValue);
    }
    return (int) v;
  }

  public long longValue(String key, long defaultValue) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    try {
      return Long.parseLong(v.get());
    } catch (NumberFormatException e) {
      return bad(key, "must be an integer, was '" + v.get() + "'", defaultValue);
    }
  }

  /** Sizes such as {@code 8388608}, {@code 8MiB}, {@code 64KiB}, {@code 1GiB}. */
  public long bytes(String key, long defaultValue) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    String s = v.get().replace(" ", "");
    long unit = 1;
    for (String[] suffix : new String[][] {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}, {"B", "1"}}) {
      if (s.endsWith(suffix[0])) {
        unit = Long.parseLong(suffix[1]);
        s = s.substring(0, s.length() - suffix[0].length());
        break;
      }
    }
    try {
      return Math.multiplyExact(Long.parseLong(s), unit);
    } catch (NumberFormatException | ArithmeticException e) {
      return bad(key, "must be a size such as 8MiB, was '" + v.get() + "'", defaultValue);
    }
  }

  public boolean bool(String key, boolean defaultValue) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> bad(key, "must be true or false, was '" + v.get() + "'", defaultValue);
    };
  }

  /** ISO-8601 ({@code PT30S}) or a number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}. */
  public Duration duration(String key, Duration defaultValue) {
    Optional<String> v = optional(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    String s = v.get();
    try {
      if (s.startsWith("P") || s.startsWith("p")) {
        return Duration.parse(s);
      }
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      long n = Long.parseLong(s.substring(0, s.length() - 1));
      return switch (s.charAt(s.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        case 'd' -> Duration.ofDays(n);
        default -> bad(key, "must be a duration such as 30s or PT30S, was '" + s + "'", defaultValue);
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      return bad(key, "must be a duration such as 30s or PT30S, was '" + s + "'", defaultValue);
    }
  }

  /** Keys that were given but never read: misspelled, or without effect for this plugin. Sorted. */
  public java.util.SortedSet<String> unread() {
    java.util.SortedSet<String> out = new java.util.TreeSet<>(values.keySet());
    out.removeAll(read);
    return out;
  }

  /**
   * Fails with {@link ErrorCode#CONFIG_INVALID} naming every key no accessor asked for (call after the plugin
   * read its settings); details {@code key} is the first, {@code keys} all of them, comma-separated.
   */
  public void requireAllRead() {
    java.util.SortedSet<String> unknown = unread();
    if (!unknown.isEmpty()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, owner + ": unknown setting(s) " + String.join(", ", unknown)
          + " (misspelled, or not a setting of this plugin)",
          Map.of("owner", owner, "key", unknown.first(), "keys", String.join(",", unknown)));
    }
  }

  /** A {@link ErrorCode#CONFIG_INVALID} error about one key. */
  public MaintenanceException invalid(String key, String problem) {
    return new MaintenanceException(
        ErrorCode.CONFIG_INVALID, owner + ": '" + key + "' " + problem, Map.of("owner", owner, "key", key));
  }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    values.forEach((k, v) -> shown.put(k, SECRET_KEY.matcher(k).matches() ? "****" : v));
    return "PluginConfig[" + owner + " " + shown + "]";
  }
}
