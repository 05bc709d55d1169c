package io.maintenance.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alert rules, checked and unit-tested by Prometheus's own promtool (firing and not firing for each alert). */
class AlertRulesIT {
  private static final Path RULES = Tools.MONITORING.resolve("prometheus");

  @Test
  void theRulesAreValidAndEveryAlertHasPassingPromtoolCases() throws Exception {
    Path promtool = Tools.tool("MAINTENANCE_IT_PROMTOOL");

    var check = Tools.run(RULES, List.of(promtool.toString(), "check", "rules", "maintenance-alerts.yml"));
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 7 rules found");

    var tests = Tools.run(RULES.resolve("tests"), List.of(promtool.toString(), "test", "rules", "maintenance-alerts.test.yml"));
    assertThat(tests.exitCode()).as(tests.output()).isZero();
    assertThat(tests.output()).contains("SUCCESS");

    // Every alert of the file has test cases.
    String rules = Files.readString(RULES.resolve("maintenance-alerts.yml"));
    String cases = Files.readString(RULES.resolve("tests/maintenance-alerts.test.yml"));
    var alerts = java.util.regex.Pattern.compile("(?m)^\\s*- alert: (\\w+)").matcher(rules).results().map(m -> m.group(1)).toList();
    assertThat(alerts).hasSize(7);
    assertThat(alerts).allSatisfy(a -> assertThat(cases).contains("alertname: " + a));
  }

  @Test
  void theCasesCatchAChangedThreshold(@TempDir Path dir) throws Exception {
    Path promtool = Tools.tool("MAINTENANCE_IT_PROMTOOL");
    String rules = Files.readString(RULES.resolve("maintenance-alerts.yml"));
    assertThat(rules).contains("+ 26 * 3600");
    Files.createDirectories(dir.resolve("tests"));
    Files.writeString(dir.resolve("maintenance-alerts.yml"), rules.replace("+ 26 * 3600", "+ 30 * 3600"));
    Files.copy(RULES.resolve("tests/maintenance-alerts.test.yml"), dir.resolve("tests/maintenance-alerts.test.yml"));
    Files.copy(RULES.resolve("tests/backup-age-overrides.yml"), dir.resolve("tests/backup-age-overrides.yml"));

    var tests = Tools.run(dir.resolve("tests"), List.of(promtool.toString(), "test", "rules", "maintenance-alerts.test.yml"));

    assertThat(tests.exitCode()).as(tests.output()).isNotZero();
    assertThat(tests.output()).contains("MaintenanceBackupTooOld");
  }
}
