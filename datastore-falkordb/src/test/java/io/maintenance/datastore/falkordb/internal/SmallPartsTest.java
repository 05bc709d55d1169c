package io.maintenance.datastore.falkordb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.TemporalKind;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallPartsTest {
  @TempDir
  Path dir;

  @Test
  void idMapKeepsSparseIdsOffHeapAndAnswersMissesWithMinusOne() {
    try (IdMap ids = new IdMap(dir)) {
      ids.put(0, 5);
      ids.put(1L << 30, 0);
      ids.put(123_456_789L, 42);
      assertThat(ids.get(0)).isEqualTo(5);
      assertThat(ids.get(1L << 30)).isZero();
      assertThat(ids.get(123_456_789L)).isEqualTo(42);
      assertThat(ids.get(7)).isEqualTo(-1);
      assertThat(ids.get(1L << 35)).isEqualTo(-1);
      assertThat(ids.size()).isEqualTo(3);
    }
    assertThat(dir.toFile().list()).as("the map file is unlinked at once").isEmpty();
  }

  @Test
  void graphMetadataRecordsTheNameInsideThePayloadAndRefusesInconsistentVersions() throws Exception {
    java.util.Map<String, Long> counts = java.util.Map.of(GraphCounts.NODES, 2L, GraphCounts.EDGES, 1L);
    for (String inside : new String[] {"__maintenance__:backup-copy:b1:g", null}) {
      GraphMeta meta = new GraphMeta("g", "4.16.3", 18, 12, 100, counts, GraphNames.EMPTY, GraphSchema.EMPTY, inside);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      meta.write(out);
      GraphMeta back = GraphMeta.read(new java.io.ByteArrayInputStream(out.toByteArray()), "g");
      assertThat(back).isEqualTo(meta);
      assertThat(back.renamed()).isEqualTo(inside != null);
      assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("\"version\":" + (inside != null ? 2 : 1));
    }
    String v2 = "{\"format\":\"falkordb-graph-dump\",\"version\":%s,\"graph\":\"g\",%s\"falkordb\":\"4.16.3\",\"encoding\":18,"
        + "\"rdb\":12,\"payloadSize\":1,\"counts\":{\"nodes\":0,\"edges\":0},"
        + "\"names\":{\"labels\":[],\"types\":[],\"keys\":[]},\"schema\":{\"indexes\":[],\"constraints\":[]}}";
    for (String[] bad : new String[][] {{"1", "\"payloadGraph\":\"x\","}, {"2", ""}, {"2", "\"payloadGraph\":\"g\","},
        {"3", "\"payloadGraph\":\"x\","}}) {
      byte[] text = String.format(v2, bad[0], bad[1]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> GraphMeta.read(new java.io.ByteArrayInputStream(text), "g"))
          .as(bad[0] + " " + bad[1]).isInstanceOf(ArtifactFormatException.class);
    }
    assertThat(GraphMeta.read(new java.io.ByteArrayInputStream(String.format(v2, "2", "\"payloadGraph\":\"x\",")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)), "g").payloadGraph()).isEqualTo("x");
  }

  @Test
  void selectorAppliesIncludeExcludeAndNeverSelectsReservedKeys() {
    GraphSelector s = new GraphSelector(List.of("app_*", "audit"), List.of("app_tmp?"), "__maintenance__:");
    assertThat(s.select(List.of("app_b", "app_a", "app_tmp1", "audit", "other", "__maintenance__:staging:x:app_a")))
        .containsExactly("app_a", "app_b", "audit");
    assertThat(new GraphSelector(List.of(), List.of(), "__m:").select(List.of("x", "__m:y", "a.b*"))).containsExactly("a.b*", "x");
  }

  @Test
  void temporalsRebuildExactlyWhereTheServersConstructorsCan() {
    assertThat(new Temporal(TemporalKind.DATETIME, 1704164645L).construction()).containsExactly(2024L, 1L, 2L, 3L, 4L, 5L);
    assertThat(new Temporal(TemporalKind.DATE, 1704153600L).exact()).isTrue();
    assertThat(new Temporal(TemporalKind.DATE, 1704153601L).exact()).as("a date is midnight").isFalse();
    assertThat(new Temporal(TemporalKind.TIME, -2208943504L).exact()).isTrue();
    // localtime('23:00:00') + duration({hours: 2}) is stored on 1900-01-02: rebuilt as 23:59:59 + 1:00:01.
    Temporal offDay = new Temporal(TemporalKind.TIME, -2208898800L);
    assertThat(offDay.exact()).isTrue();
    assertThat(offDay.construction()).containsExactly(23L, 59L, 59L, 0L, 1L, 0L, 1L);
    assertThat(new Temporal(TemporalKind.TIME, 45296L).exact()).as("a time far from 1900-01-01").isFalse();
    // Durations: exact over the whole range the server's float components reach, and its -2^63 wrap.
    for (long s : new long[] {0, 1, -1, 8999999815811072L, -8999999815811072L, 31556952000L, 123456789012345L,
        60_000_000_000_000_000L, Long.MIN_VALUE}) {
      Temporal d = new Temporal(TemporalKind.DURATION, s);
      assertThat(d.exact()).as("duration %s", s).isTrue();
      assertThat(Temporal.durationSeconds(d.construction())).isEqualTo(s);
    }
    assertThat(new Temporal(TemporalKind.DURATION, 9155603998454023808L).exact()).as("beyond the int years").isFalse();
  }

  @Test
  void schemaDiffListsAddedAndRemovedEntries() {
    GraphSchema now = new GraphSchema(List.of(new GraphSchema.Index(GraphSchema.Entity.NODE, "A", GraphSchema.IndexKind.RANGE, "x",
        java.util.Map.of())), List.of());
    GraphSchema later = new GraphSchema(List.of(), List.of(new GraphSchema.Constraint("UNIQUE", GraphSchema.Entity.NODE, "A",
        List.of("x"))));
    assertThat(GraphSchema.diff(now, later)).containsExactly("+ UNIQUE CONSTRAINT NODE A[x]", "- RANGE INDEX NODE A(x)");
    assertThat(Probe.versionText(41603)).isEqualTo("4.16.3");
  }

  @Test
  void repliesRoundedPastTheLargestDoubleStayFiniteSoTheExactValueIsUsed() {
    assertThat(QueryResult.parseDouble("1.79769313486232e+308")).isEqualTo(Double.MAX_VALUE);
    assertThat(QueryResult.parseDouble("-inf")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(Double.doubleToRawLongBits(QueryResult.parseDouble("-nan"))).isEqualTo(0xfff8000000000000L);
    assertThat(Double.doubleToRawLongBits(QueryResult.parseDouble("nan"))).isEqualTo(0x7ff8000000000000L);
    assertThat(Cypher.exactDouble(Double.MAX_VALUE, java.util.List.of(9007199254740991L, 971L))).isEqualTo(Double.MAX_VALUE);
    assertThat(Cypher.exactDouble(Double.NEGATIVE_INFINITY, "garbage")).isEqualTo(Double.NEGATIVE_INFINITY);
  }
}
