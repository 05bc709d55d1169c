package io.maintenance.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI driving a whole restore as two different operators. */
class CliIT {
  @TempDir
  Path dir;

  private final ObjectMapper json = new ObjectMapper();

  record Result(int status, String out, String err) {}

  private Result cli(Path config, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = config.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int status = Cli.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void operatorsBackUpPreviewApproveAndConfirmFromTheCommandLine() throws Exception {
    try (EmbeddedPostgres pg = ShopServer.start()) {
      SampleShop shop = ShopServer.shop(pg);
      var before = shop.fingerprint();
      Path config = dir.resolve("maintenance.properties");
      Files.writeString(config, String.join("\n",
          "catalog.url=" + pg.getJdbcUrl("postgres", "catalog"),
          "storage.type=local",
          "storage.path=" + dir.resolve("backups"),
          "datastores.shop.type=postgres",
          "datastores.shop.url=" + pg.getJdbcUrl("postgres", "shop"),
          "datastores.shop.user=postgres",
          "restore.approvals-required=1"));

      Result backup = cli(config, "--as", "alice", "backup", "--label", "reason=cli");
      assertThat(backup.status()).as(backup.err()).isZero();
      String backupId = json.readTree(backup.out()).get("id").asText();
      assertThat(json.readTree(cli(config, "list").out()).get("items")).hasSize(1);

      shop.breakIt();
      Result preview = cli(config, "--as", "alice", "preview", backupId);
      JsonNode p = json.readTree(preview.out());
      String token = p.get("token").asText();

      Result refused = cli(config, "--as", "alice", "confirm", token);
      assertThat(refused.status()).isEqualTo(1);
      assertThat(refused.err()).startsWith("APPROVAL_REQUIRED");
      assertThat(cli(config, "--as", "alice", "approve", p.get("requestId").asText()).err()).startsWith("SELF_APPROVAL_FORBIDDEN");
      assertThat(cli(config, "--as", "bob", "approve", p.get("requestId").asText(), "looks", "right").status()).isZero();
      Result confirmed = cli(config, "--as", "alice", "confirm", token);
      assertThat(json.readTree(confirmed.out()).get("status").asText()).isEqualTo("APPLIED");
      assertThat(shop.fingerprint()).isEqualTo(before);

      // Counters are per process; the catalog gauges show what every process did.
      assertThat(cli(config, "metrics", "--prometheus").out()).contains("maintenance_backups{status=\"SUCCEEDED\"} 1.0");
      assertThat(json.readTree(cli(config, "audit", "--verify").out()).get("intact").asBoolean()).isTrue();
      assertThat(cli(config, "frobnicate").status()).isEqualTo(2);

      // Strict input: a setting given twice, a misspelled plugin setting, a label without a value.
      String settings = Files.readString(config);
      Path twice = dir.resolve("twice.properties");
      Files.writeString(twice, settings + "\nrestore.approvals-required=0\n");
      Result dup = cli(twice, "list");
      assertThat(dup.status()).isEqualTo(2);
      assertThat(dup.err()).contains("'restore.approvals-required' is set more than once");
      Path typo = dir.resolve("typo.properties");
      Files.writeString(typo, settings + "\ndatastores.shop.usr=postgres\n");
      Result unknown = cli(typo, "list");
      assertThat(unknown.status()).isEqualTo(1);
      assertThat(unknown.err()).startsWith("CONFIG_INVALID").contains("datastore shop", "usr");
      assertThat(cli(config, "--as", "alice", "backup", "--label", "reason").status()).isEqualTo(2);
      assertThat(json.readTree(cli(config, "list").out()).get("items")).hasSize(1);
    }
  }
}
