package io.maintenance.datastore.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.api.ErrorCode;
import io.maintenance.api.MaintenanceException;
import io.maintenance.datastore.postgres.internal.DatabaseSchema.SequenceState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Format 2's own parts without a server: ACL entries to GRANTs, the artifacts' round trips and what they refuse. */
class ArtifactFormatTest {

  @Test
  void aclEntriesBecomeGrantsInTheirOrderWithAllAndGrantOptions() {
    // As PostgreSQL prints it: an element holding quotes is quoted, with backslash escapes.
    List<AclItem> items = AclItem.parse("{app_owner=arwdDxt/app_owner,\"\\\"we \\\"\\\"ird\\\"=r*w/app_owner\",=r/app_owner}");

    assertThat(items).extracting(AclItem::grantee).containsExactly("app_owner", "we \"ird", "");
    assertThat(items.get(0).grants("r")).containsExactly("ALL");
    assertThat(items.get(1).grants("r")).containsExactly("UPDATE", "SELECT*");
    assertThat(items.get(1).granteeSql()).isEqualTo("\"we \"\"ird\"");
    assertThat(items.get(2).granteeSql()).isEqualTo("PUBLIC");
    // A newer server's extra privilege (MAINTAIN) still reads as ALL.
    assertThat(AclItem.parse("{o=arwdDxtm/o}").get(0).grants("r")).containsExactly("ALL");
    assertThat(AclItem.parse("{o=X/o}").get(0).grants("f")).containsExactly("ALL");
  }

  private static DatabaseSchema schema(List<SchemaObject> objects) {
    return new DatabaseSchema(true, 150018, "15.18", objects, List.of("app.t"), Map.of("app.t_id_seq", new SequenceState(7, true)),
        List.of(), List.of("app_owner"), Map.of("pg_trgm", "1.6"), List.of("1 publication(s)"), Map.of());
  }

  private static byte[] write(DatabaseSchema s) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DatabaseArtifact.write(out, s);
    return out.toByteArray();
  }

  @Test
  void theDatabaseArtifactRoundTrips() throws Exception {
    SchemaObject table = new SchemaObject("table app.t", "table", "app", "app.t", SchemaObject.PRE,
        List.of("CREATE TABLE app.t (\n    id integer NOT NULL\n)", "ALTER TABLE app.t OWNER TO \"app_owner\""), List.of("schema app"));
    SchemaObject fn = new SchemaObject("function app.f()", "function", "app", null, SchemaObject.PRE,
        List.of("CREATE OR REPLACE FUNCTION app.f()\n RETURNS integer\n LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\n SELECT 2;\nEND"),
        List.of());

    DatabaseSchema back = DatabaseArtifact.read(new ByteArrayInputStream(write(schema(List.of(table, fn)))));

    assertThat(back.objects()).containsExactly(table, fn);
    assertThat(back.sequences()).containsEntry("app.t_id_seq", new SequenceState(7, true));
    assertThat(back.extensions()).containsEntry("pg_trgm", "1.6");
    assertThat(back.roles()).containsExactly("app_owner");
    assertThat(back.whole()).isTrue();
    assertThat(back.serverVersionNum()).isEqualTo(150018);
  }

  @Test
  void aStatementWithASecondOneOrOfAnotherKindIsRefused() throws Exception {
    for (List<String> sql : List.of(List.of("CREATE TABLE app.t (id int); DROP TABLE app.x"), List.of("DROP TABLE app.x"),
        List.of("CREATE TABLE app.t (id int)", "GRANT ALL ON app.t TO PUBLIC"))) {
      SchemaObject bad = new SchemaObject("table app.t", "table", "app", "app.t", SchemaObject.PRE, sql, List.of());
      byte[] bytes = write(schema(List.of(bad)));
      assertThatThrownBy(() -> DatabaseArtifact.read(new ByteArrayInputStream(bytes))).as(sql.toString())
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

  @Test
  void aTruncatedOrForeignDatabaseArtifactIsRefused() throws Exception {
    byte[] good = write(schema(List.of()));
    for (byte[] bad : List.of(java.util.Arrays.copyOf(good, good.length / 2),
        new String(good, StandardCharsets.UTF_8).replace("\"version\":2", "\"version\":3").getBytes(StandardCharsets.UTF_8),
        "{\"format\":\"something else\"}".getBytes(StandardCharsets.UTF_8))) {
      assertThatThrownBy(() -> DatabaseArtifact.read(new ByteArrayInputStream(bad)))
          .isInstanceOfSatisfying(MaintenanceException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INCOMPATIBLE_ARTIFACT));
    }
  }

  @Test
  void aTableHeaderRoundTripsAndNamesItsPartsInOrder() throws Exception {
    TableData.Header h = new TableData.Header("app", "t.x", List.of(new TableData.Column("id", "integer")), 12,
        List.of(TableData.partName("app.t%2Ex", 0), TableData.partName("app.t%2Ex", 1)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TableData.writeHeader(out, h);

    assertThat(TableData.readHeader(new ByteArrayInputStream(out.toByteArray()), "h")).isEqualTo(h);
    assertThat(h.data()).containsExactly("app.t%2Ex_postgres.copy", "app.t%2Ex_postgres.2.copy");
    byte[] swapped = out.toString(StandardCharsets.UTF_8).replace("_postgres.2.copy", "_postgres.3.copy").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> TableData.readHeader(new ByteArrayInputStream(swapped), "h")).isInstanceOf(MaintenanceException.class);
  }

  @Test
  void stagingRenamesOnlyTheTableItsStatementsName() {
    SchemaObject table = new SchemaObject("table app.t", "table", "app", "app.t", SchemaObject.PRE,
        List.of("CREATE TABLE app.t (\n    id integer NOT NULL\n)"), List.of());
    SchemaObject key = new SchemaObject("constraint t_pkey on app.t", "constraint", "app", "app.t", SchemaObject.POST,
        List.of("ALTER TABLE ONLY app.t ADD CONSTRAINT t_pkey PRIMARY KEY (id)"), List.of("table app.t"));
    SchemaObject index = new SchemaObject("index app.t_expr", "index", "app", "app.t", SchemaObject.POST,
        List.of("CREATE INDEX t_expr ON app.t USING btree (lower(' ON app.t USING '))"), List.of("table app.t"));

    assertThat(Staging.rename(table, table, "s.\"t\"")).isEqualTo("CREATE TABLE s.\"t\" (\n    id integer NOT NULL\n)");
    assertThat(Staging.rename(key, table, "s.\"t\"")).isEqualTo("ALTER TABLE ONLY s.\"t\" ADD CONSTRAINT t_pkey PRIMARY KEY (id)");
    assertThat(Staging.rename(index, table, "s.\"t\"")).as("ambiguous: left to the main transaction").isNull();
  }
}
