package io.maintenance.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Which succeeded backups retention keeps; a backup kept by any rule survives, pinned backups always
 * survive, and a backup that a kept incremental backup depends on survives with it. A policy with
 * no rule set keeps everything.
 *
 * @param keepLast the newest N backups
 * @param keepWithin every backup younger than this
 * @param keepDaily the newest backup of each of the last N days that have one
 * @param keepWeekly the newest backup of each of the last N ISO weeks that have one
 * @param keepMonthly the newest backup of each of the last N months that have one
 */
public record RetentionPolicy(int keepLast, Duration keepWithin, int keepDaily, int keepWeekly, int keepMonthly) {
  public RetentionPolicy {
    Objects.requireNonNull(keepWithin, "keepWithin");
    if (keepLast < 0 || keepDaily < 0 || keepWeekly < 0 || keepMonthly < 0 || keepWithin.isNegative()) {
      throw new MaintenanceException(ErrorCode.CONFIG_INVALID, "retention counts and durations must not be negative");
    }
  }

  public static RetentionPolicy keepAll() {
    return builder().build();
  }

  /** True when no rule is set: retention then prunes nothing. */
  public boolean keepsEverything() {
    return keepLast == 0 && keepWithin.isZero() && keepDaily == 0 && keepWeekly == 0 && keepMonthly == 0;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private int keepLast;
    private Duration keepWithin = Duration.ZERO;
    private int keepDaily;
    private int keepWeekly;
    private int keepMonthly;

    private Builder() {}

    public Builder keepLast(int n) {
      this.keepLast = n;
      return this;
    }

    public Builder keepWithin(Duration d) {
      this.keepWithin = d;
      return this;
    }

    public Builder keepDaily(int n) {
      this.keepDaily = n;
      return this;
    }

    public Builder keepWeekly(int n) {
      this.keepWeekly = n;
      return this;
    }

    public Builder keepMonthly(int n) {
      this.keepMonthly = n;
      return this;
    }

    public RetentionPolicy build() {
      return new RetentionPolicy(keepLast, keepWithin, keepDaily, keepWeekly, keepMonthly);
    }
  }
}
