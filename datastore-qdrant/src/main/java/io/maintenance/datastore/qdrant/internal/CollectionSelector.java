package io.maintenance.datastore.qdrant.internal;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which collections a datastore instance backs up: those matching any {@code include} glob
 * ({@code *} and {@code ?}) and no {@code exclude} glob.
 */
public final class CollectionSelector {
  private final List<Pattern> include;
  private final List<Pattern> exclude;

  public CollectionSelector(Collection<String> include, Collection<String> exclude) {
    this.include = include.stream().map(CollectionSelector::glob).toList();
    this.exclude = exclude.stream().map(CollectionSelector::glob).toList();
  }

  public boolean selects(String collection) {
    return include.stream().anyMatch(p -> p.matcher(collection).matches())
        && exclude.stream().noneMatch(p -> p.matcher(collection).matches());
  }

  private static Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

}
