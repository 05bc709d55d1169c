package io.maintenance.datastore.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CopyTextTest {

  @Test
  void firstSpecialAgreesWithAByteByByteScanOnRandomInput() {
    SplittableRandom random = new SplittableRandom(42);
    byte[] alphabet = "ab \t\"\\\u007f\u0001\u001f~".getBytes(StandardCharsets.ISO_8859_1);
    for (int round = 0; round < 20_000; round++) {
      byte[] row = new byte[random.nextInt(40)];
      for (int i = 0; i < row.length; i++) {
        row[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
      }
      int start = row.length == 0 ? 0 : random.nextInt(row.length);
      assertThat(CopyText.firstSpecial(row, start, row.length)).as(Arrays.toString(row) + " from " + start)
          .isEqualTo(naive(row, start, row.length));
    }
  }

  private static int naive(byte[] row, int start, int end) {
    for (int i = start; i < end; i++) {
      int b = row[i] & 0xff;
      if (b < 0x20 || b == '"' || b == '\\' || b == 0x7f) {
        return i;
      }
    }
    return end;
  }

  @Test
  void utf8MultiByteSequencesAreNotSpecial() {
    byte[] row = "héllo wörld 中文 😀 and more\tnext".getBytes(StandardCharsets.UTF_8);
    assertThat(row[CopyText.firstSpecial(row, 0, row.length)]).isEqualTo((byte) '\t');
  }

  @Test
  void unescapeDecodesEveryCopyEscape() {
    byte[] row = "a\\\\b\\tc\\nd\\re\\bf\\fg\\vh\\101\\x41\\xz\\q".getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[row.length];
    int n = CopyText.unescape(row, 0, row.length, out);
    assertThat(new String(out, 0, n, StandardCharsets.ISO_8859_1))
        .isEqualTo("a\\b\tc\nd\re\bf\fg\u000bhAAxzq");
  }

  @Test
  void nullIsOnlyTheBareMarker() {
    byte[] row = "\\N\t\\\\N\tN".getBytes(StandardCharsets.US_ASCII);
    assertThat(CopyText.isNull(row, 0, 2)).isTrue();
    assertThat(CopyText.isNull(row, 3, 6)).isFalse();
    assertThat(CopyText.isNull(row, 7, 8)).isFalse();
  }

  @Test
  void rowBufferEscapesForCopyAndRejectsNul() {
    TableArtifact.RowBuffer buf = new TableArtifact.RowBuffer(4);
    char[] text = "tab\there\nnl\rcr\\bs é 😀".toCharArray();
    assertThat(buf.putEscaped(text, 0, text.length)).isTrue();
    assertThat(new String(buf.bytes, 0, buf.len, StandardCharsets.UTF_8)).isEqualTo("tab\\there\\nnl\\rcr\\\\bs é 😀");
    assertThat(new TableArtifact.RowBuffer(4).putEscaped(new char[] {'a', 0}, 0, 2)).isFalse();
  }
}
