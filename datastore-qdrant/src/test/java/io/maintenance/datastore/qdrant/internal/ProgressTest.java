package io.maintenance.datastore.qdrant.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void reportsAtMostOnceASecondAndAlwaysTheEnd() {
    List<Long> reports = new ArrayList<>();
    Progress p = new Progress((stage, done, total) -> reports.add(done), "upload", 1_000_000);

    for (long done = 1; done <= 1_000_000; done += 1) {
      p.at(done);
    }

    assertThat(reports).hasSizeLessThan(10).startsWith(1L).endsWith(1_000_000L);
  }
}
