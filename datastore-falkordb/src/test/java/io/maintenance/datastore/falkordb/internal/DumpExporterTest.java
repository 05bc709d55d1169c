package io.maintenance.datastore.falkordb.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.maintenance.datastore.falkordb.internal.Values.Point;
import io.maintenance.datastore.falkordb.internal.Values.VectorF32;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Values from a DUMP, reduced to what a query reply shows of them (so both exports write the same). */
class DumpExporterTest {
  private static final double NAN_WITH_PAYLOAD = Double.longBitsToDouble(0x7ff8000000000123L);
  private static final double NEGATIVE_NAN_WITH_PAYLOAD = Double.longBitsToDouble(0xfff8000000000005L);

  @Test
  void nanKeepsItsSignButNotItsPayload() {
    List<Object> out = DumpExporter.asReplied(List.of(NAN_WITH_PAYLOAD, NEGATIVE_NAN_WITH_PAYLOAD, List.of(1L, NEGATIVE_NAN_WITH_PAYLOAD)));
    assertThat(Double.doubleToRawLongBits((Double) out.get(0))).isEqualTo(Double.doubleToRawLongBits(Double.NaN));
    assertThat(Double.doubleToRawLongBits((Double) out.get(1))).isEqualTo(Double.doubleToRawLongBits(Values.NEGATIVE_NAN));
    assertThat(Double.doubleToRawLongBits((Double) ((List<?>) out.get(2)).get(1))).isEqualTo(Double.doubleToRawLongBits(Values.NEGATIVE_NAN));
  }

  @Test
  void vectorNansBecomePositiveQuietNansAndPointsKeepTheSign() {
    float negativeNan = Float.intBitsToFloat(0xffc00001);
    List<Object> out = DumpExporter.asReplied(List.of(new VectorF32(new float[] {negativeNan, 1.5f}),
        new Point(negativeNan, Float.intBitsToFloat(0x7fc00007))));
    float[] v = ((VectorF32) out.get(0)).elements();
    assertThat(Float.floatToRawIntBits(v[0])).isEqualTo(Float.floatToRawIntBits(Float.NaN));
    assertThat(v[1]).isEqualTo(1.5f);
    Point p = (Point) out.get(1);
    assertThat(Float.floatToRawIntBits(p.latitude())).isEqualTo(0xffc00000);
    assertThat(Float.floatToRawIntBits(p.longitude())).isEqualTo(0x7fc00000);
  }

  @Test
  void valuesWithoutNanAreTheSameObjects() {
    List<Object> in = new ArrayList<>(List.of(0.1, -0.0, "s", List.of(2.5), new VectorF32(new float[] {1f}), new Point(1f, 2f)));
    assertThat(DumpExporter.asReplied(in)).isSameAs(in);
  }
}
