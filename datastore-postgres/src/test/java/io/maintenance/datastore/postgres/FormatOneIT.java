package io.maintenance.datastore.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.api.DatastoreManifest;
import io.maintenance.spi.internal.BackupLayout;
import io.maintenance.spi.internal.StorageArtifactSink;
import io.maintenance.spi.internal.UploadTracker;
import io.maintenance.tck.DatastoreHarness;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** A backup written by the format 1 writer (rows inside the JSON artifacts) still restores, into an empty database. */
class FormatOneIT {
  @Test
  void aFormatOneBackupRestoresIntoAnEmptyDatabase() throws Exception {
    DataSource target = Pg.freshDatabase("format_one");
    DatastoreHarness harness = new DatastoreHarness(PostgresDatastore.builder("shop-db").dataSource(target).build());
    StorageArtifactSink sink = new StorageArtifactSink(harness.storage(), BackupLayout.datastoreFolder("tck", "v1", "shop-db"),
        UploadTracker.NONE, Optional.empty());
    for (String line : resource("artifacts.tsv").split("\n")) {
      String[] f = line.split("\t");
      try (InputStream in = FormatOneIT.class.getResourceAsStream("/v1/" + f[0]); OutputStream out = sink.create(f[0], f[1])) {
        in.transferTo(out);
      }
    }
    DatastoreManifest m = new DatastoreManifest("shop-db", "postgres", "0.1.0", "v1", sink.completed(), List.of(),
        Map.of(DatastoreHarness.BACKUP_ID, "v1", "format", "maintenance.postgres.table/1"));

    harness.restore(m, harness.plan(m));

    assertThat(Pg.copyOut(target, "SELECT * FROM shop.customers ORDER BY id") + Pg.copyOut(target, "SELECT * FROM shop.orders ORDER BY id")
        + Pg.copyOut(target, "SELECT last_value, is_called FROM shop.customers_id_seq")).isEqualTo(resource("expected.txt"));
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = FormatOneIT.class.getResourceAsStream("/v1/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
