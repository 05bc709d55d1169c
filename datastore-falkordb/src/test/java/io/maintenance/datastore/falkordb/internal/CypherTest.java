package io.maintenance.datastore.falkordb.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.Temporal;
import io.maintenance.datastore.falkordb.internal.Values.TemporalKind;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CypherTest {
  private static String lit(Object v) {
    return Cypher.literal(new StringBuilder(), v).toString();
  }

  @Test
  void stringsEscapeQuotesBackslashesAndLineBreaksOnly() {
    assertThat(lit("a\"b\\c\nd\re\tf'g é😀")).isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf'g é😀\"");
  }

  @Test
  void doublesUseTheirShortestExactFormWithALowerCaseExponent() {
    assertThat(lit(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    assertThat(lit(Double.MIN_VALUE)).isEqualTo("4.9e-324");
    assertThat(lit(-0.0)).isEqualTo("-0.0");
    assertThat(Double.parseDouble(lit(1.0 / 3))).isEqualTo(1.0 / 3);
  }

  @Test
  void integersBooleansListsAndMapsWithQuotedKeys() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a key", List.of(Long.MIN_VALUE, true, List.of()));
    m.put("x) DELETE n //", "v");
    assertThat(lit(m)).isEqualTo("{`a key`:[-9223372036854775808,true,[]],`x) DELETE n //`:\"v\"}");
  }

  @Test
  void specialValuesBecomeTaggedMaps() {
    assertThat(lit(Double.NaN)).isEqualTo("{t:'nan',v:[]}");
    assertThat(lit(Double.NEGATIVE_INFINITY)).isEqualTo("{t:'-inf',v:[]}");
    assertThat(lit(new Point(1.5f, -2.25f))).isEqualTo("{t:'point',v:[1.5,-2.25]}");
    assertThat(lit(new VectorF32(new float[] {0.1f}))).isEqualTo("{t:'vecf32',v:[" + (double) 0.1f + "]}");
    assertThat(lit(new Temporal(TemporalKind.DATE, 1704153600L))).isEqualTo("{t:'date',v:[2024,1,2]}");
    assertThat(lit(new Temporal(TemporalKind.DURATION, -1L))).isEqualTo("{t:'duration',v:[-1,364,86399]}");
  }

  @Test
  void identifiersWithBackticksNulOrNothingAreRefused() {
    assertThat(Cypher.identifierProblem("ok name: with (stuff)")).isEmpty();
    assertThat(Cypher.identifierProblem("a`b")).hasValueSatisfying(p -> assertThat(p).contains("backtick"));
    assertThat(Cypher.identifierProblem("a\0b")).isPresent();
    assertThat(Cypher.identifierProblem("")).isPresent();
    assertThatThrownBy(() -> Cypher.quote("x`) DETACH DELETE n")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Cypher.labels(List.of("A", "B c"))).isEqualTo(":`A`:`B c`");
  }

  @Test
  void parametersGoInTheHeaderNotTheQuery() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("lo", 0L);
    p.put("s", "x' RETURN 1 //");
    assertThat(Cypher.withParams(p, "MATCH (n) RETURN n")).isEqualTo("CYPHER lo=0 s=\"x' RETURN 1 //\" MATCH (n) RETURN n");
  }

  @Test
  void exactDoubleRebuildsEveryEncoding() {
    assertThat(Cypher.exactDouble(List.of(5404319552844596L, -54L))).isEqualTo(0.30000000000000004);
    assertThat(Cypher.exactDouble(List.of(4503599627370496L, -1126L))).isEqualTo(Double.MIN_VALUE);
    assertThat(Cypher.exactDouble(0L)).isEqualTo(0.0);
    assertThat(Double.doubleToRawLongBits(Cypher.exactDouble("-0"))).isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(Cypher.exactDouble("NaN")).isNaN();
    assertThat(Cypher.exactDouble("-Infinity")).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void constructorsExistForEverySpecialKind() {
    for (Object v : List.of(Double.NaN, Double.POSITIVE_INFINITY, new Point(0, 0), new VectorF32(new float[] {1}),
        new Temporal(TemporalKind.TIME, -2208988800L), List.of(1L, List.of(Double.NaN)))) {
      assertThat(Values.isSpecial(v)).isTrue();
      assertThat(Cypher.construct(Cypher.kind(v), "x")).isNotBlank();
    }
    assertThat(Cypher.kind(List.of(List.of(Double.NaN)))).isEqualTo("list2");
    // Finite points and vectors, and dates of years 1-9999, take the cheaper constructors.
    assertThat(Cypher.kind(new Point(1, 2))).isEqualTo("point");
    assertThat(Cypher.kind(new Point(Float.NaN, 2))).isEqualTo("point~");
    assertThat(Cypher.kind(new VectorF32(new float[] {1, Float.NEGATIVE_INFINITY}))).isEqualTo("vecf32~");
    assertThat(Cypher.payload(new Temporal(TemporalKind.DATE, -5364662400L))).isEqualTo("1800-01-01");
    assertThat(Cypher.payload(new Temporal(TemporalKind.DATE, -62135596800L))).isEqualTo("0001-01-01");
    assertThat(Cypher.kind(new Temporal(TemporalKind.DATE, -62135596800L - 86400))).isEqualTo("date");
    assertThat(Values.isSpecial(List.of(1L, "a", 2.5))).isFalse();
  }
}
