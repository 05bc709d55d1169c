package io.maintenance.datastore.falkordb.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Which graphs a datastore backs up: include/exclude glob patterns ({@code *}, {@code ?}), never reserved keys. */
public final class GraphSelector {
  private final List<Pattern> include;
  private final List<Pattern> exclude;
  private final String reservedPrefix;

  public GraphSelector(List<String> include, List<String> exclude, String reservedPrefix) {
    this.include = include.stream().map(GraphSelector::glob).toList();
    this.exclude = exclude.stream().map(GraphSelector::glob).toList();
    this.reservedPrefix = reservedPrefix;
  }

  public boolean reserved(String graph) {
    return graph.startsWith(reservedPrefix);
  }

  public boolean selects(String graph) {
    if (reserved(graph)) {
      return false;
    }
    boolean in = include.isEmpty() || include.stream().anyMatch(p -> p.matcher(graph).matches());
    return in && exclude.stream().noneMatch(p -> p.matcher(graph).matches());
  }

  public List<String> select(List<String> graphs) {
    List<String> out = new ArrayList<>();
    for (String g : graphs) {
      if (selects(g)) {
        out.add(g);
      }
    }
    out.sort(null);
    return out;
  }

  static Pattern glob(String glob) {
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
