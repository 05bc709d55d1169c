package io.maintenance.datastore.qdrant.internal;

import io.maintenance.datastore.qdrant.DriftCheck;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.PointId;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.VectorOutput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 over every point of a collection in id order (the order Qdrant's scroll returns): the id, the
 * payload with object keys sorted, and for {@link DriftCheck#POINTS} each named vector as Qdrant returns
 * it. Every value is written with its type and length, so no two different payloads hash alike.
 */
public final class ContentDigest {
  private final DriftCheck check;
  private final MessageDigest sha;
  private final ByteBuffer scratch = ByteBuffer.allocate(8);
  private long points;

  /** A computed digest and what it covers. */
  public record Result(DriftCheck check, String digest) {}

  public ContentDigest(DriftCheck check) {
    this.check = check;
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean withVectors() {
    return check == DriftCheck.POINTS;
  }

  public void add(RetrievedPoint p) {
    points++;
    id(p.getId());
    struct(p.getPayloadMap());
    if (withVectors()) {
      if (p.getVectors().hasVector()) {
        vector("", p.getVectors().getVector());
      } else {
        new TreeMap<>(p.getVectors().getVectors().getVectorsMap()).forEach(this::vector);
      }
    }
  }

  public Result result() {
    tag('#');
    number(points);
    return new Result(check, HexFormat.of().formatHex(sha.digest()));
  }

  private void id(PointId id) {
    if (id.hasUuid()) {
      text('u', id.getUuid());
    } else {
      tag('n');
      number(id.getNum());
    }
  }

  private void vector(String name, VectorOutput v) {
    text('v', name);
    byte[] bytes = v.toByteArray();
    tag('b');
    number(bytes.length);
    sha.update(bytes);
  }

  private void struct(Map<String, Value> fields) {
    tag('{');
    number(fields.size());
    new TreeMap<>(fields).forEach((k, v) -> {
      text('k', k);
      value(v);
    });
  }

  private void value(Value v) {
    switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> tag('0');
      case BOOL_VALUE -> tag(v.getBoolValue() ? 't' : 'f');
      case INTEGER_VALUE -> {
        tag('i');
        number(v.getIntegerValue());
      }
      case DOUBLE_VALUE -> {
        tag('d');
        number(Double.doubleToLongBits(v.getDoubleValue()));
      }
      case STRING_VALUE -> text('s', v.getStringValue());
      case STRUCT_VALUE -> struct(v.getStructValue().getFieldsMap());
      case LIST_VALUE -> {
        tag('[');
        number(v.getListValue().getValuesCount());
        v.getListValue().getValuesList().forEach(this::value);
      }
    }
  }

  private void text(char kind, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    tag(kind);
    number(b.length);
    sha.update(b);
  }

  private void tag(char c) {
    sha.update((byte) c);
  }

  private void number(long n) {
    scratch.clear();
    scratch.putLong(n);
    sha.update(scratch.array(), 0, 8);
  }

}
