package io.maintenance.api;

import java.util.Objects;

/**
 * Gross item changes of one kind in a restore's diff, e.g. {@code nodes:Person}: how many items present
 * now the restore removes or replaces with another version ({@code lost}), and how many it adds or
 * brings back in another version ({@code created}). Unlike the net change of a count, 2 items created
 * after the backup and 2 others deleted since show as 2 lost and 2 created.
 */
public record ItemChange(String metric, long lost, long created) {
  public ItemChange {
    Objects.requireNonNull(metric, "metric");
    if (lost < 0 || created < 0) {
      throw new IllegalArgumentException("lost and created must not be negative");
    }
  }
}
