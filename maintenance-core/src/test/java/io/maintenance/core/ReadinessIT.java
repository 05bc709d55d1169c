package io.maintenance.core;

import static io.maintenance.core.testing.EngineFixture.READER;
import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.ProbeStatus;
import io.maintenance.api.ReadinessReport;
import io.maintenance.core.internal.catalog.Db;
import io.maintenance.core.testing.EngineFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadinessIT {
  private final EngineFixture f = new EngineFixture();

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void everyDependencyIsProbed() {
    ReadinessReport r = f.engine.readiness(READER);

    assertThat(r.status()).isEqualTo(ProbeStatus.UP);
    assertThat(r.checks()).extracting(c -> c.component()).containsExactly("catalog", "storage:memory", "datastore:orders");
    assertThat(r.checks().get(0).attributes()).containsEntry("schemaVersion", Integer.toString(io.maintenance.core.internal.catalog.SchemaInstaller.CURRENT_VERSION)).containsKey("postgresVersion");
  }

  @Test
  void aDownDatastoreMakesTheReportDownWithItsCode() {
    f.orders.setDown(true);

    ReadinessReport r = f.engine.readiness(READER);

    assertThat(r.status()).isEqualTo(ProbeStatus.DOWN);
    assertThat(r.checks()).anySatisfy(c -> {
      assertThat(c.component()).isEqualTo("datastore:orders");
      assertThat(c.code()).isEqualTo("FAKE_UNREACHABLE");
    });
  }

  @Test
  void anOutdatedCatalogSchemaIsReported() {
    f.sql(c -> Db.update(c, "DELETE FROM maintenance_schema_version"));
    f.restart(b -> b.installSchema(false));

    assertThat(f.engine.readiness(READER).checks()).anySatisfy(c -> {
      assertThat(c.component()).isEqualTo("catalog");
      assertThat(c.code()).isEqualTo("CATALOG_SCHEMA_OUTDATED");
      assertThat(c.status()).isEqualTo(ProbeStatus.DOWN);
    });
  }
}
