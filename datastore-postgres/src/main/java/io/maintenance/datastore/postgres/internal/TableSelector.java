package io.maintenance.datastore.postgres.internal;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Chooses tables by {@code schema.table} globs ({@code *} any run of characters, {@code ?} one). A
 * pattern without a dot names a whole schema. A table is selected when it matches an include pattern
 * (every table when there are none) and no exclude pattern.
 */
public final class TableSelector {
  private final List<Pattern> include;
  private final List<Pattern> exclude;

  public TableSelector(List<String> include, List<String> exclude) {
    this.include = include.stream().map(TableSelector::compile).toList();
    this.exclude = exclude.stream().map(TableSelector::compile).toList();
  }

  public boolean selects(String schema, String table) {
    String name = schema + "." + table;
    boolean in = include.isEmpty() || include.stream().anyMatch(p -> p.matcher(name).matches());
    return in && exclude.stream().noneMatch(p -> p.matcher(name).matches());
  }

  static Pattern compile(String glob) {
    String g = glob.trim();
    if (g.indexOf('.') < 0) {
      g = g + ".*";
    }
    StringBuilder re = new StringBuilder();
    for (char c : g.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  /** Splits a comma-separated list, dropping blanks. */
  public static List<String> split(String csv) {
    if (csv == null || csv.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
