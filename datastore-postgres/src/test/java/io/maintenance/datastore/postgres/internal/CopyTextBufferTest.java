package io.maintenance.datastore.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CopyTextBufferTest {

  @Test
  void escapesForCopyAndRejectsNul() {
    CopyTextBuffer buf = new CopyTextBuffer(4);
    char[] text = "tab\there\nnl\rcr\\bs é 😀".toCharArray();
    assertThat(buf.putEscaped(text, 0, text.length)).isTrue();
    assertThat(new String(buf.bytes, 0, buf.len, StandardCharsets.UTF_8)).isEqualTo("tab\\there\\nnl\\rcr\\\\bs é 😀");
    assertThat(new CopyTextBuffer(4).putEscaped(new char[] {'a', 0}, 0, 2)).isFalse();
  }
}
