package io.maintenance.core.internal.housekeeping;

import io.maintenance.api.RetentionPolicy;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides which succeeded backups a retention policy keeps, and why. Pure: no I/O, so every rule is
 * unit-tested. Calendar buckets are UTC days, ISO weeks and months.
 */
public final class RetentionPlanner {
  private RetentionPlanner() {}

  /** A succeeded backup as retention sees it. */
  public record Candidate(String id, Instant takenAt, boolean pinned, Optional<String> parentId) {}

  /** The decision: kept backups with every reason that keeps them, and the ones to prune (newest first). */
  public record Decision(Map<String, List<String>> kept, List<Candidate> prune) {}

  public static Decision plan(List<Candidate> backups, RetentionPolicy policy, Instant now) {
    List<Candidate> newestFirst = new ArrayList<>(backups);
    newestFirst.sort(Comparator.comparing(Candidate::takenAt).thenComparing(Candidate::id).reversed());
    Map<String, List<String>> kept = new LinkedHashMap<>();
    if (policy.keepsEverything()) {
      newestFirst.forEach(b -> keep(kept, b.id(), "the policy sets no rule, so everything is kept"));
      return new Decision(kept, List.of());
    }
    for (int i = 0; i < newestFirst.size(); i++) {
      Candidate b = newestFirst.get(i);
      if (b.pinned()) {
        keep(kept, b.id(), "pinned");
      }
      if (i < policy.keepLast()) {
        keep(kept, b.id(), "one of the last " + policy.keepLast());
      }
      if (!policy.keepWithin().isZero() && b.takenAt().isAfter(now.minus(policy.keepWithin()))) {
        keep(kept, b.id(), "younger than " + policy.keepWithin());
      }
    }
    bucket(newestFirst, policy.keepDaily(), b -> LocalDate.ofInstant(b.takenAt(), ZoneOffset.UTC).toString(), "daily", kept);
    bucket(newestFirst, policy.keepWeekly(), b -> {
      LocalDate d = LocalDate.ofInstant(b.takenAt(), ZoneOffset.UTC);
      return d.get(IsoFields.WEEK_BASED_YEAR) + "-W" + String.format("%02d", d.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    }, "weekly", kept);
    bucket(newestFirst, policy.keepMonthly(), b -> YearMonth.from(LocalDate.ofInstant(b.takenAt(), ZoneOffset.UTC)).toString(),
        "monthly", kept);

    // An incremental backup needs its whole chain of parents.
    Map<String, Candidate> byId = new LinkedHashMap<>();
    newestFirst.forEach(b -> byId.put(b.id(), b));
    for (String id : List.copyOf(kept.keySet())) {
      Candidate child = byId.get(id);
      Set<String> seen = new HashSet<>();
      while (child != null && child.parentId().isPresent() && seen.add(child.id())) {
        String parent = child.parentId().get();
        keep(kept, parent, "parent of " + child.id());
        child = byId.get(parent);
      }
    }
    List<Candidate> prune = newestFirst.stream().filter(b -> !kept.containsKey(b.id())).toList();
    return new Decision(kept, prune);
  }

  /** Keeps the newest backup of each of the newest {@code n} buckets that have one. */
  private static void bucket(List<Candidate> newestFirst, int n, Function<Candidate, String> key, String rule,
      Map<String, List<String>> kept) {
    if (n <= 0) {
      return;
    }
    Set<String> buckets = new HashSet<>();
    for (Candidate b : newestFirst) {
      String k = key.apply(b);
      if (!buckets.contains(k)) {
        if (buckets.size() == n) {
          return;
        }
        buckets.add(k);
        keep(kept, b.id(), rule + " " + k);
      }
    }
  }

  private static void keep(Map<String, List<String>> kept, String id, String reason) {
    kept.computeIfAbsent(id, k -> new ArrayList<>()).add(reason);
  }
}
