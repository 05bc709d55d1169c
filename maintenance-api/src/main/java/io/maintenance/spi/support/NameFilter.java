package io.maintenance.spi.support;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Include/exclude selection by globs ({@code *} any run of characters, {@code ?} one character): a name
 * is selected when it matches an include glob (every name when there are none) and no exclude glob.
 * Datastores use it for their {@code include}/{@code exclude} settings.
 */
public final class NameFilter {
  private final List<Pattern> include;
  private final List<Pattern> exclude;

  private NameFilter(Collection<String> include, Collection<String> exclude) {
    this.include = include.stream().map(NameFilter::glob).toList();
    this.exclude = exclude.stream().map(NameFilter::glob).toList();
  }

  public static NameFilter of(Collection<String> include, Collection<String> exclude) {
    return new NameFilter(include, exclude);
  }

  public static NameFilter all() {
    return new NameFilter(List.of(), List.of());
  }

  public boolean matches(String name) {
    boolean in = include.isEmpty() || include.stream().anyMatch(p -> p.matcher(name).matches());
    return in && exclude.stream().noneMatch(p -> p.matcher(name).matches());
  }

  /** A glob as a regular expression matching the whole name; every other character is literal. */
  public static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.trim().toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
