package io.maintenance.datastore.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.postgres.internal.Model.Ddl;
import io.maintenance.spi.support.StorageKeys;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlTest {

  @Test
  void identifiersAreDoubleQuotedWithQuotesDoubled() {
    assertThat(Sql.quote("plain")).isEqualTo("\"plain\"");
    assertThat(Sql.quote("x\"; DROP TABLE t; --")).isEqualTo("\"x\"\"; DROP TABLE t; --\"");
    assertThat(Sql.qualified("public", "Mixed Case")).isEqualTo("\"public\".\"Mixed Case\"");
  }

  @Test
  void namesPostgresCannotHoldAreRejected() {
    for (String bad : new String[] {"", "nul\0byte", "x".repeat(64)}) {
      assertThatThrownBy(() -> Sql.quote(bad)).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
    assertThat(Sql.quote("é".repeat(31))).isEqualTo("\"" + "é".repeat(31) + "\""); // 62 bytes fit
  }

  @Test
  void artifactNamesAreSafeStorageSegmentsAndUnambiguous() {
    String name = Sql.artifactBase("we.ird/sch", "t\"; DROP TABLE x; --..") + TableArtifact.JSON_SUFFIX;
    assertThat(StorageKeys.segment(name)).isEqualTo(name);
    assertThat(name).isEqualTo("we%2Eird%2Fsch.t%22%3B%20DROP%20TABLE%20x%3B%20--%2E%2E_postgres.json");
    assertThat(Sql.artifactBase("a.b", "c")).isNotEqualTo(Sql.artifactBase("a", "b.c"));
    assertThat(Sql.artifactBase("public", "accounts")).isEqualTo("public.accounts");
  }

  @Test
  void tableSelectorMatchesGlobsAndWholeSchemas() {
    TableSelector s = new TableSelector(List.of("public.*", "sales"), List.of("public.tmp_*", "*.audit?"));
    assertThat(s.selects("public", "accounts")).isTrue();
    assertThat(s.selects("public", "tmp_x")).isFalse();
    assertThat(s.selects("sales", "orders")).isTrue();
    assertThat(s.selects("sales", "audit1")).isFalse();
    assertThat(s.selects("sales", "audit12")).isTrue();
    assertThat(s.selects("other", "accounts")).isFalse();
    assertThat(new TableSelector(List.of(), List.of()).selects("any", "thing")).isTrue();
    assertThat(io.maintenance.spi.PluginConfig.of("t", java.util.Map.of("include", " a.* , ,b ")).list("include")).containsExactly("a.*", "b");
  }

  @Test
  void schemaStatementsMustBeOneStatementOfTheirKind() {
    assertThat(DdlGuard.check("t", new Ddl("index", "x", "CREATE INDEX i ON \"s\".\"t\" USING btree (a)"))).isNotEmpty();
    assertThat(DdlGuard.check("t", new Ddl("type", "x", "CREATE TYPE s.m AS ENUM ('a;b', 'c''d')"))).isNotEmpty();
    for (Ddl bad : List.of(
        new Ddl("index", "x", "CREATE INDEX i ON t (a); DROP TABLE t"),
        new Ddl("index", "x", "DROP TABLE t"),
        new Ddl("table", "x", "CREATE TABLE t (a int) /* ; */; SELECT 1"),
        new Ddl("check", "x", "ALTER TABLE ONLY t DROP COLUMN a"),
        new Ddl("mystery", "x", "SELECT 1"))) {
      assertThatThrownBy(() -> DdlGuard.check("t", bad)).as(bad.sql()).isInstanceOfSatisfying(MaintenanceException.class,
          e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }
}
