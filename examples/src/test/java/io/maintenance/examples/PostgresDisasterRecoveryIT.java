package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first thing a backup exists for, as a new user tries it with the CLI: an application database with
 * a composite type, sequences, a range-partitioned table whose parent has a foreign key, a view, a
 * trigger and a policy, backed up and restored into an EMPTY database through preview, approval and
 * confirm; and a preview that knows the restore cannot work (a role missing on the target) fails with
 * its code and issues no token.
 */
class PostgresDisasterRecoveryIT {
  @TempDir
  Path dir;

  private final ObjectMapper json = new ObjectMapper();

  private static CliRun cli(Path config, String... args) {
    return CliRun.withConfig(config, args);
  }

  private Path config(EmbeddedPostgres pg, String database) throws Exception {
    Path config = dir.resolve(database + ".properties");
    Files.writeString(config, String.join("\n",
        "catalog.url=" + pg.getJdbcUrl("postgres", "catalog"),
        "storage.type=local",
        "storage.path=" + dir.resolve("backups"),
        "datastores.app.type=postgres",
        "datastores.app.url=" + pg.getJdbcUrl("postgres", database),
        "datastores.app.user=postgres",
        "datastores.app.jobs=2",
        "restore.approvals-required=1"));
    return config;
  }

  private static void exec(EmbeddedPostgres pg, String database, String sql) throws Exception {
    try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static String query(EmbeddedPostgres pg, String database, String sql) throws Exception {
    try (Connection c = pg.getDatabase("postgres", database).getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      StringBuilder sb = new StringBuilder();
      while (rs.next()) {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          sb.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        sb.append('\n');
      }
      return sb.toString();
    }
  }

  @Test
  void anApplicationDatabaseComesBackIntoAnEmptyDatabase() throws Exception {
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      for (String db : new String[] {"catalog", "orders", "recovered", "elsewhere"}) {
        exec(pg, "postgres", "CREATE DATABASE " + db);
      }
      exec(pg, "postgres", "CREATE ROLE reporting");
      exec(pg, "orders", """
          CREATE SCHEMA app;
          CREATE TYPE app.address AS (street text, city text);
          CREATE TABLE app.customers (id serial PRIMARY KEY, name text NOT NULL, home app.address);
          CREATE TABLE app.orders (id bigint GENERATED ALWAYS AS IDENTITY, customer_id int NOT NULL REFERENCES app.customers,
            placed date NOT NULL, PRIMARY KEY (id, placed)) PARTITION BY RANGE (placed);
          CREATE TABLE app.orders_2024 PARTITION OF app.orders FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
          CREATE TABLE app.orders_rest PARTITION OF app.orders DEFAULT;
          CREATE VIEW app.order_counts AS SELECT customer_id, count(*) AS n FROM app.orders GROUP BY customer_id;
          CREATE FUNCTION app.no_future() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.placed > current_date THEN RAISE 'no orders from the future'; END IF; RETURN NEW; END $$;
          CREATE TRIGGER orders_no_future BEFORE INSERT ON app.orders FOR EACH ROW EXECUTE FUNCTION app.no_future();
          ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;
          CREATE POLICY customers_read ON app.customers FOR SELECT TO reporting USING (true);
          GRANT USAGE ON SCHEMA app TO reporting; GRANT SELECT ON app.order_counts TO reporting;
          INSERT INTO app.customers (name, home) SELECT 'c' || g, ROW('street ' || g, 'city')::app.address FROM generate_series(1, 50) g;
          INSERT INTO app.orders (customer_id, placed) SELECT 1 + g % 50, date '2023-06-01' + g FROM generate_series(1, 400) g;
          """);
      String expected = query(pg, "orders", "SELECT * FROM app.order_counts ORDER BY 1")
          + query(pg, "orders", "SELECT last_value FROM app.customers_id_seq")
          + query(pg, "orders", "SELECT count(*) FROM pg_policy") + query(pg, "orders", "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal");

      CliRun backup = cli(config(pg, "orders"), "--as", "alice", "backup");
      assertThat(backup.status()).as(backup.err()).isZero();
      String backupId = json.readTree(backup.out()).get("id").asText();

      // Disaster: the database is gone; an empty one takes its place.
      Path recovered = config(pg, "recovered");
      CliRun preview = cli(recovered, "--as", "alice", "preview", backupId);
      assertThat(preview.status()).as(preview.err()).isZero();
      JsonNode p = json.readTree(preview.out());
      assertThat(p.get("plan").toString()).contains("create type app.address", "create table app.orders", "CREATE");
      assertThat(cli(recovered, "--as", "bob", "approve", p.get("requestId").asText(), "disaster recovery").status()).isZero();
      CliRun confirmed = cli(recovered, "--as", "alice", "confirm", p.get("token").asText());
      assertThat(confirmed.status()).as(confirmed.err()).isZero();
      assertThat(json.readTree(confirmed.out()).get("status").asText()).isEqualTo("APPLIED");
      assertThat(query(pg, "recovered", "SELECT * FROM app.order_counts ORDER BY 1")
          + query(pg, "recovered", "SELECT last_value FROM app.customers_id_seq")
          + query(pg, "recovered", "SELECT count(*) FROM pg_policy")
          + query(pg, "recovered", "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")).isEqualTo(expected);

      // A server without the role the grants name: the preview says so and there is no token to confirm.
      try (EmbeddedPostgres other = EmbeddedPostgres.builder().start()) {
        exec(other, "postgres", "CREATE DATABASE elsewhere");
        Path elsewhere = dir.resolve("elsewhere.properties");
        Files.writeString(elsewhere, Files.readString(config(pg, "elsewhere"))
            .replace("datastores.app.url=" + pg.getJdbcUrl("postgres", "elsewhere"), "datastores.app.url=" + other.getJdbcUrl("postgres", "elsewhere")));
        CliRun refused = cli(elsewhere, "--as", "alice", "preview", backupId);
        assertThat(refused.status()).isEqualTo(5);
        assertThat(refused.err()).startsWith("INCOMPATIBLE_ARTIFACT").contains("reporting", "ROLE_MISSING");
        assertThat(refused.out()).doesNotContain("token");
        assertThat(query(other, "elsewhere", "SELECT count(*) FROM pg_namespace WHERE nspname = 'app'")).isEqualTo("0\n");
      }
    }
  }
}
