package io.maintenance.datastore.falkordb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.datastore.falkordb.internal.GraphSchema.Constraint;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Entity;
import io.maintenance.datastore.falkordb.internal.GraphSchema.Index;
import io.maintenance.datastore.falkordb.internal.GraphSchema.IndexKind;
import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.TemporalKind;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import io.maintenance.spi.support.StorageKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArtifactTest {
  private static final GraphSchema SCHEMA = new GraphSchema(
      List.of(new Index(Entity.NODE, "P", IndexKind.RANGE, "name", Map.of()),
          new Index(Entity.NODE, "P", IndexKind.VECTOR, "v", Map.of("dimension", 3L, "similarityFunction", "cosine")),
          new Index(Entity.RELATIONSHIP, "K", IndexKind.FULLTEXT, "note",
              Map.of("language", "german", "stopwords", List.of("der"), "weight", 2.0, "nostem", true, "phonetic", false))),
      List.of(new Constraint("UNIQUE", Entity.NODE, "P", List.of("name"))));

  private static final List<Object> VALUES = List.of("", "é😀\n\"", Long.MIN_VALUE, Long.MAX_VALUE, true, 0.1 + 0.2, -0.0,
      Double.MIN_VALUE, Double.NaN, Values.NEGATIVE_NAN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, List.of(), List.of(1L, "a", List.of(2.5, false)),
      new Point(51.5f, -0.12f), new Point(Float.NaN, 1f), new VectorF32(new float[] {0.1f, -3.4028235e38f, Float.NaN,
          Float.POSITIVE_INFINITY}),
      new Temporal(TemporalKind.DATE, -62324985600L), new Temporal(TemporalKind.TIME, -2208902401L),
      new Temporal(TemporalKind.DATETIME, -1L), new Temporal(TemporalKind.DURATION, 36907506L));

  private static final GraphNames NAMES = new GraphNames(List.of("P", "Q r", "Unused"), List.of("K"), List.of("k0", "w", "name"));

  private static String write() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Artifact.Writer w = new Artifact.Writer(out)) {
      w.header("g", "4.16.3");
      w.schema(SCHEMA, NAMES);
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < VALUES.size(); i++) {
        keys.add("k" + i);
      }
      w.node(3, List.of("P", "Q r"), keys, VALUES);
      w.node(7, List.of(), List.of(), List.of());
      w.raw(w.edge(4, 7, 3, "K", List.of("w"), List.of(1.5)));
      w.raw(w.edge(9, 3, 3, "K", List.of(), List.of()));
      w.end(2, 2);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static final class Recorder implements Artifact.Visitor {
    GraphSchema schema;
    GraphNames names;
    final List<Object> records = new ArrayList<>();

    @Override
    public void schema(GraphSchema s, GraphNames n) {
      schema = s;
      names = n;
    }

    @Override
    public void node(long id, List<String> labels, Map<String, Object> properties) {
      records.add(List.of(id, labels, properties));
    }

    @Override
    public void edge(long id, long source, long target, String type, Map<String, Object> properties) {
      records.add(List.of(id, source, target, type, properties));
    }
  }

  private static Recorder read(String text, String graph) throws IOException {
    Recorder r = new Recorder();
    Artifact.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), graph, r);
    return r;
  }

  @Test
  void everyValueAndTheSchemaRoundTripExactly() throws IOException {
    String text = write();
    Recorder r = read(text, "g");

    assertThat(r.schema.describe()).isEqualTo(SCHEMA.describe());
    assertThat(r.names).isEqualTo(NAMES);
    assertThat(r.records.get(2)).isEqualTo(List.of(4L, 7L, 3L, "K", Map.of("w", 1.5)));
    assertThat(r.records.get(3)).isEqualTo(List.of(9L, 3L, 3L, "K", Map.of()));
    @SuppressWarnings("unchecked")
    Map<String, Object> props = (Map<String, Object>) ((List<Object>) r.records.get(0)).get(2);
    for (int i = 0; i < VALUES.size(); i++) {
      Object expected = VALUES.get(i);
      Object actual = props.get("k" + i);
      if (expected instanceof Double d) {
        assertThat(Double.doubleToRawLongBits((Double) actual)).as("k%d %s", i, d).isEqualTo(Double.doubleToRawLongBits(d));
      } else {
        assertThat(actual).as("k%d", i).isEqualTo(expected);
      }
    }
    assertThat(r.records).hasSize(4);
    assertThat(text.lines()).hasSize(7);
  }

  @Test
  void malformedOrForeignArtifactsAreRejectedWithTheReason() throws IOException {
    String text = write();
    Map<String, String> cases = Map.of(
        "another graph", text,
        "backtick", text.replace("\"Q r\"", "\"Q`r\""),
        "ascending", text.replace("{\"n\":[7,", "{\"n\":[2,").replace("{},9]", "{},3]"),
        "after the first edge", text.replace("{\"end\"", "{\"n\":[9,[],{}]}\n{\"end\""),
        "end record", text.replace("\"edges\":2", "\"edges\":5"),
        "int64", text.replace("\"w\":1.5", "\"w\":123456789012345678901234"),
        "32-bit float", text.replace("[51.5,", "[51.50000000000001,"),
        "malformed JSON", text.substring(0, text.length() / 2),
        "data after the end", text + "{}\n",
        "unknown record", text.replace("{\"end\"", "{\"x\":1}\n{\"end\""));
    for (Map.Entry<String, String> c : cases.entrySet()) {
      String graph = c.getKey().equals("another graph") ? "other" : "g";
      assertThatThrownBy(() -> read(c.getValue(), graph)).as(c.getKey())
          .isInstanceOf(ArtifactFormatException.class).hasMessageContaining(c.getKey());
    }
  }

  @Test
  void versionOneArtifactsOfEarlierBackupsAreStillRead() throws IOException {
    String v1 = """
        {"format":"falkordb-graph","version":1,"graph":"g","falkordb":"4.16.3"}
        {"schema":{"indexes":[],"constraints":[]}}
        {"n":[3,["P"],{"x":1}]}
        {"n":[7,[],{}]}
        {"e":[7,3,"K",{"w":1.5}]}
        {"e":[3,3,"K",{}]}
        {"end":{"nodes":2,"edges":2}}
        """;
    Recorder r = read(v1, "g");
    assertThat(r.names).isEqualTo(GraphNames.EMPTY);
    // No edge ids then: they are numbered in artifact order.
    assertThat(r.records.get(2)).isEqualTo(List.of(0L, 7L, 3L, "K", Map.of("w", 1.5)));
    assertThat(r.records.get(3)).isEqualTo(List.of(1L, 3L, 3L, "K", Map.of()));
  }

  @Test
  void artifactNamesAreSafeStorageSegmentsForAnyGraphName() {
    for (String g : List.of("social", "a/b", "..", ".", "x y\u0001z", "é", "", "k".repeat(500))) {
      String name = Artifact.nameFor(g);
      assertThat(StorageKeys.segment(name)).isEqualTo(name);
      assertThat(name.length()).isLessThan(230);
    }
    assertThat(Artifact.nameFor("social")).isEqualTo("graph-social.ndjson");
    assertThat(Artifact.nameFor("a/b")).isNotEqualTo(Artifact.nameFor("a_b")).isNotEqualTo(Artifact.nameFor("a%2Fb"));
  }
}
