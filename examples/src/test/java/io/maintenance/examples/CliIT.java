package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.maintenance.api.BackupRequest;
import io.maintenance.api.Operation;
import io.maintenance.api.Principal;
import io.maintenance.core.MaintenanceEngine;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line (picocli) on a real PostgreSQL server and the local storage: a whole restore, help, exit codes. */
class CliIT {
  private static EmbeddedPostgres pg;

  @TempDir
  Path dir;

  private final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    pg = ShopServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    pg.close();
  }

  private static CliRun run(String... args) {
    return CliRun.run(args);
  }

  private CliRun cli(Path config, String... args) {
    return CliRun.withConfig(config, args);
  }

  private Path config(String catalog, String... extra) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + catalog);
    }
    Path config = dir.resolve(catalog + ".properties");
    Files.writeString(config, String.join("\n",
        "catalog.url=" + pg.getJdbcUrl("postgres", catalog),
        "storage.type=local",
        "storage.path=" + dir.resolve("backups"),
        "datastores.shop.type=postgres",
        "datastores.shop.url=" + pg.getJdbcUrl("postgres", "shop"),
        "datastores.shop.user=postgres",
        "restore.approvals-required=1") + "\n" + String.join("\n", extra) + "\n");
    return config;
  }

  private static List<String> tables(String catalog) throws Exception {
    try (Connection c = pg.getDatabase("postgres", catalog).getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE tablename LIKE 'maintenance%'")) {
      List<String> out = new java.util.ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return out;
    }
  }

  @Test
  void operatorsBackUpPreviewApproveAndConfirmFromTheCommandLine() throws Exception {
    SampleShop shop = ShopServer.shop(pg);
    var before = shop.fingerprint();
    Path config = config("catalog_flow");

    CliRun backup = cli(config, "--as", "alice", "backup", "--label", "reason=cli");
    assertThat(backup.status()).as(backup.err()).isZero();
    String backupId = json.readTree(backup.out()).get("id").asText();
    assertThat(backup.err()).contains("BACKUP SUCCEEDED"); // progress lines on stderr, the result on stdout
    assertThat(json.readTree(cli(config, "list").out()).get("items")).hasSize(1);
    assertThat(cli(config, "list", "--output", "table").out()).startsWith("id ").contains(backupId);

    shop.breakIt();
    CliRun preview = cli(config, "--as", "alice", "preview", backupId);
    JsonNode p = json.readTree(preview.out());
    String token = p.get("token").asText();

    CliRun refused = cli(config, "--as", "alice", "confirm", token);
    assertThat(refused.status()).as("refused by policy").isEqualTo(3);
    assertThat(refused.err()).startsWith("APPROVAL_REQUIRED");
    CliRun self = cli(config, "--as", "alice", "approve", p.get("requestId").asText());
    assertThat(self.status()).isEqualTo(3);
    assertThat(self.err()).startsWith("SELF_APPROVAL_FORBIDDEN");
    assertThat(cli(config, "--as", "bob", "approve", p.get("requestId").asText(), "looks", "right").status()).isZero();
    CliRun confirmed = cli(config, "--as", "alice", "confirm", token);
    assertThat(confirmed.status()).as(confirmed.err()).isZero();
    assertThat(json.readTree(confirmed.out()).get("status").asText()).isEqualTo("APPLIED");
    assertThat(shop.fingerprint()).isEqualTo(before);
    assertThat(cli(config, "--as", "alice", "confirm", token).status()).as("a used token").isEqualTo(3);

    // Counters are per process; the catalog gauges show what every process did.
    assertThat(cli(config, "metrics", "--prometheus").out()).contains("maintenance_backups{status=\"SUCCEEDED\"} 1.0");
    assertThat(json.readTree(cli(config, "audit", "--verify").out()).get("intact").asBoolean()).isTrue();
    CliRun missing = cli(config, "show", "bk-nothing");
    assertThat(missing.status()).as("not found").isEqualTo(4);
    assertThat(missing.err()).startsWith("NOT_FOUND");
    JsonNode ops = json.readTree(cli(config, "operations", "list", "--kind", "backup").out()).get("items");
    assertThat(ops).hasSize(1);
    assertThat(ops.get(0).get("status").asText()).isEqualTo("SUCCEEDED");
    // Cancelling a finished operation changes nothing.
    assertThat(json.readTree(cli(config, "cancel", ops.get(0).get("id").asText()).out()).get("status").asText()).isEqualTo("SUCCEEDED");

    // An artifact altered on disk: VERIFY fails with the integrity class.
    Path artifact;
    try (var files = Files.walk(dir.resolve("backups"))) {
      artifact = files.filter(f -> f.toString().contains(backupId) && f.toString().contains("orders")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(artifact);
    bytes[bytes.length / 2] ^= 1;
    Files.write(artifact, bytes);
    CliRun verify = cli(config, "task", "verify");
    assertThat(verify.status()).as(verify.err()).isEqualTo(5);
    assertThat(json.readTree(verify.out()).get("status").asText()).isEqualTo("FAILED");
  }

  @Test
  void everySubcommandHasItsOwnHelp() {
    CliRun top = run("--help");
    assertThat(top.status()).isZero();
    assertThat(top.out()).contains("Usage: maintenance", "Exit codes:", "3   refused by policy", "6   a dependency is unavailable");
    for (String[] sub : List.of(new String[] {"backup"}, new String[] {"list"}, new String[] {"show"}, new String[] {"manifest"},
        new String[] {"delete"}, new String[] {"preview"}, new String[] {"approve"}, new String[] {"confirm"},
        new String[] {"restore-status"}, new String[] {"task"}, new String[] {"operations"}, new String[] {"operations", "list"},
        new String[] {"operations", "show"}, new String[] {"operations", "watch"}, new String[] {"cancel"}, new String[] {"schedules"},
        new String[] {"readiness"}, new String[] {"metrics"}, new String[] {"audit"}, new String[] {"serve"})) {
      String[] args = java.util.Arrays.copyOf(sub, sub.length + 1);
      args[sub.length] = "--help";
      CliRun r = run(args);
      assertThat(r.status()).as(String.join(" ", args)).isZero();
      assertThat(r.out()).as(String.join(" ", args)).startsWith("Usage: maintenance " + String.join(" ", sub));
    }
    assertThat(run("task", "--help").out()).contains("RETENTION", "VERIFY", "ORPHAN_SWEEP");
  }

  @Test
  void badArgumentsAreRefusedWithExit2BeforeTheEngineStartsAndChangeNothing() throws Exception {
    Path config = config("catalog_untouched");
    for (String[] args : List.of(
        new String[] {"frobnicate"},
        new String[] {"backup", "--label", "reason"},
        new String[] {"backup", "--datastore", "two words"},
        new String[] {"backup", "--incremental=maybe"},
        new String[] {"list", "--limit", "0"},
        new String[] {"list", "--limit", "lots"},
        new String[] {"list", "--status", "NOPE"},
        new String[] {"task", "FROBNICATE"},
        new String[] {"task", "verify", "--datastore", "shop"},
        new String[] {"preview", "bk-1", "--resource", "nocolon"},
        new String[] {"preview", "bk-1", "--safety-backup", "perhaps"},
        new String[] {"cancel"},
        new String[] {"operations", "watch", "bad id!"},
        new String[] {"operations", "list", "--kind", "SOMETHING"},
        new String[] {"--output", "yaml", "list"},
        new String[] {"show", "bk-1", "extra"})) {
      CliRun r = cli(config, args);
      assertThat(r.status()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
      assertThat(r.out()).isEmpty();
    }
    // Nothing connected: the catalog was never even installed.
    assertThat(tables("catalog_untouched")).isEmpty();
    assertThat(run("list").status()).as("no --config").isEqualTo(2);

    // Strict configuration: a setting given twice, a misspelled plugin setting.
    String settings = Files.readString(config);
    Path twice = dir.resolve("twice.properties");
    Files.writeString(twice, settings + "restore.approvals-required=0\n");
    CliRun dup = cli(twice, "list");
    assertThat(dup.status()).isEqualTo(2);
    assertThat(dup.err()).contains("'restore.approvals-required' is set more than once");
    Path typo = dir.resolve("typo.properties");
    Files.writeString(typo, settings + "datastores.shop.usr=postgres\n");
    CliRun unknown = cli(typo, "list");
    assertThat(unknown.status()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("CONFIG_INVALID").contains("datastore shop", "usr");
    assertThat(tables("catalog_untouched")).isEmpty();

    // A catalog nobody answers for: dependency unavailable, retry later.
    Path unreachable = dir.resolve("unreachable.properties");
    Files.writeString(unreachable, settings.replace(pg.getJdbcUrl("postgres", "catalog_untouched"),
        "jdbc:postgresql://127.0.0.1:1/catalog") + "catalog-timeout=1s\n");
    CliRun down = cli(unreachable, "list");
    assertThat(down.status()).as(down.err()).isEqualTo(6);
    assertThat(down.err()).startsWith("DEPENDENCY_UNAVAILABLE");
  }

  @Test
  void anOperationAServiceRunsIsWatchedAndCancelledFromTheCommandLine() throws Exception {
    Path config = config("catalog_watch", "operations.progress-interval=100ms");
    try (Connection c = pg.getDatabase("postgres", "shop").getConnection(); Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS events AS SELECT i AS id, md5(i::text) || md5((i * 7)::text) AS payload"
          + " FROM generate_series(1, 300000) AS i");
    }
    Map<String, String> props = new java.util.TreeMap<>();
    Files.readAllLines(config).stream().filter(l -> l.contains("=")).forEach(l -> props.put(l.substring(0, l.indexOf('=')),
        l.substring(l.indexOf('=') + 1)));
    String url = props.remove("catalog.url");
    // The service: another process on the same catalog, running a backup.
    try (MaintenanceEngine service = MaintenanceEngine.builder().dataSource(pg.getDatabase("postgres", "catalog_watch"))
        .configure(props).build()) {
      assertThat(url).contains("catalog_watch");
      Operation first = service.submitBackup(BackupRequest.all(), Principal.system("service"));
      CliRun watched = cli(config, "operations", "watch", first.id());
      assertThat(watched.status()).as(watched.err()).isZero();
      assertThat(json.readTree(watched.out()).get("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(watched.err()).contains(first.id() + " BACKUP SUCCEEDED");

      Operation second = service.submitBackup(BackupRequest.all(), Principal.system("service"));
      CliRun cancelled = cli(config, "--as", "ops", "cancel", second.id());
      assertThat(cancelled.status()).as(cancelled.err()).isZero();
      assertThat(json.readTree(cancelled.out()).get("cancelRequestedBy").asText()).isEqualTo("ops");
      CliRun after = cli(config, "operations", "watch", second.id());
      assertThat(after.status()).as("cancelled: " + after.err()).isEqualTo(7);
      assertThat(json.readTree(after.out()).get("status").asText()).isEqualTo("CANCELLED");
    } finally {
      try (Connection c = pg.getDatabase("postgres", "shop").getConnection(); Statement st = c.createStatement()) {
        st.execute("DROP TABLE events");
      }
    }
  }
}
