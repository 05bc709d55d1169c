package io.maintenance.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.spring.boot.internal.MaintenanceConfigurationException;
import io.maintenance.spring.boot.internal.MaintenanceFailureAnalyzer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

class MaintenanceFailureAnalyzerTest {
  @Test
  void theStartupReportListsEveryProblemWithTheCode() {
    var problems = new MaintenanceConfigurationException(List.of(
        "maintenance.storage.type: is required; one of local", "maintenance.restore.token-ttl: the value 'soon' is not a valid Duration"));

    FailureAnalysis analysis = new MaintenanceFailureAnalyzer().analyze(new BeanCreationException("maintenanceProperties", problems));

    assertThat(analysis.getDescription())
        .startsWith("The maintenance engine could not start (CONFIG_INVALID): 2 problem(s)")
        .contains("  - maintenance.storage.type: is required; one of local")
        .contains("  - maintenance.restore.token-ttl: the value 'soon' is not a valid Duration");
    assertThat(analysis.getAction()).contains("maintenance.*");
    assertThat(analysis.getCause()).isSameAs(problems);
  }
}
