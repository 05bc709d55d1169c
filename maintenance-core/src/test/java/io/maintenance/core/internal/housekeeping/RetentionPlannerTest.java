package io.maintenance.core.internal.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.RetentionPolicy;
import io.maintenance.core.internal.housekeeping.RetentionPlanner.Candidate;
import io.maintenance.core.internal.housekeeping.RetentionPlanner.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetentionPlannerTest {
  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  /** One backup every 6 hours for 100 days, oldest first. */
  private static List<Candidate> history() {
    List<Candidate> out = new ArrayList<>();
    for (int i = 400; i >= 0; i--) {
      out.add(new Candidate("b" + i, NOW.minus(Duration.ofHours(6L * i)), false, Optional.empty()));
    }
    return out;
  }

  private static List<String> prunedIds(Decision d) {
    return d.prune().stream().map(Candidate::id).toList();
  }

  @Test
  void policyWithoutRulesKeepsEverything() {
    Decision d = RetentionPlanner.plan(history(), RetentionPolicy.keepAll(), NOW);
    assertThat(d.prune()).isEmpty();
    assertThat(d.kept()).hasSize(401);
  }

  @Test
  void keepLastKeepsTheNewestN() {
    Decision d = RetentionPlanner.plan(history(), RetentionPolicy.builder().keepLast(3).build(), NOW);
    assertThat(d.kept()).containsOnlyKeys("b0", "b1", "b2");
    assertThat(d.prune()).hasSize(398);
    assertThat(d.prune().get(0).id()).as("newest first, so incrementals go before their parents").isEqualTo("b3");
  }

  @Test
  void keepWithinKeepsEverythingYoungerThanTheDuration() {
    Decision d = RetentionPlanner.plan(history(), RetentionPolicy.builder().keepWithin(Duration.ofDays(1)).build(), NOW);
    assertThat(d.kept()).containsOnlyKeys("b0", "b1", "b2", "b3");
  }

  @Test
  void calendarRulesKeepTheNewestBackupOfEachBucket() {
    Decision d = RetentionPlanner.plan(history(),
        RetentionPolicy.builder().keepDaily(7).keepWeekly(4).keepMonthly(3).build(), NOW);
    // Daily: the newest of each of the last 7 days (12:00 today, then 18:00 on each earlier day).
    assertThat(d.kept().get("b0")).contains("daily 2026-11-26");
    assertThat(d.kept().get("b3")).containsExactly("daily 2026-11-25");
    assertThat(d.kept().entrySet().stream().filter(e -> e.getValue().stream().anyMatch(r -> r.startsWith("daily")))).hasSize(7);
    assertThat(d.kept().entrySet().stream().filter(e -> e.getValue().stream().anyMatch(r -> r.startsWith("weekly")))).hasSize(4);
    assertThat(d.kept().entrySet().stream().filter(e -> e.getValue().stream().anyMatch(r -> r.startsWith("monthly"))))
        .hasSize(3)
        .anySatisfy(e -> assertThat(e.getValue()).contains("monthly 2026-10"));
    assertThat(d.kept().size() + d.prune().size()).isEqualTo(401);
  }

  @Test
  void pinnedBackupsAndTheParentsOfKeptIncrementalsSurvive() {
    List<Candidate> backups = List.of(
        new Candidate("full", NOW.minus(Duration.ofDays(30)), false, Optional.empty()),
        new Candidate("inc1", NOW.minus(Duration.ofDays(29)), false, Optional.of("full")),
        new Candidate("inc2", NOW.minus(Duration.ofDays(1)), false, Optional.of("inc1")),
        new Candidate("old-pinned", NOW.minus(Duration.ofDays(300)), true, Optional.empty()),
        new Candidate("old", NOW.minus(Duration.ofDays(200)), false, Optional.empty()));

    Decision d = RetentionPlanner.plan(backups, RetentionPolicy.builder().keepLast(1).build(), NOW);

    assertThat(d.kept().get("inc2")).containsExactly("one of the last 1");
    assertThat(d.kept().get("inc1")).containsExactly("parent of inc2");
    assertThat(d.kept().get("full")).containsExactly("parent of inc1");
    assertThat(d.kept().get("old-pinned")).containsExactly("pinned");
    assertThat(prunedIds(d)).containsExactly("old");
  }
}
