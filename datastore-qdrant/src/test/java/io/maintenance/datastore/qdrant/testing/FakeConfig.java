package io.maintenance.datastore.qdrant.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.maintenance.datastore.qdrant.testing.FakeQdrant.QdrantError;
import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.QuantizationConfig;
import java.util.Locale;
import java.util.Map;

/**
 * Collection config between the double's protobuf state and Qdrant's REST JSON: rendered the way the
 * REST API shows it (snake_case fields, numbers as numbers, enums in lower case) and updated from a
 * {@code PATCH /collections/{c}} body (HNSW, optimizers, quantization, replication params).
 */
final class FakeConfig {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private FakeConfig() {}

  /** The message's set fields as REST JSON. */
  static ObjectNode json(Message m) {
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      String name = e.getKey().getName();
      Object v = e.getValue();
      if (v instanceof Message sub) {
        out.set(name, json(sub));
      } else if (v instanceof EnumValueDescriptor en) {
        out.put(name, en.getName().toLowerCase(Locale.ROOT));
      } else if (v instanceof Long l) {
        out.put(name, l);
      } else if (v instanceof Integer i) {
        out.put(name, i);
      } else if (v instanceof Double d) {
        out.put(name, d);
      } else if (v instanceof Float f) {
        out.put(name, f);
      } else if (v instanceof Boolean b) {
        out.put(name, b);
      } else {
        out.put(name, String.valueOf(v));
      }
    }
    return out;
  }

  static JsonNode quantization(CollectionConfig config) {
    return config.hasQuantizationConfig() ? json(config.getQuantizationConfig()) : NODES.nullNode();
  }

  /** Applies a {@code PATCH /collections/{c}} body. */
  static CollectionConfig update(CollectionConfig config, JsonNode body) throws QdrantError {
    CollectionConfig.Builder b = config.toBuilder();
    if (body.has("hnsw_config")) {
      merge(b.getHnswConfigBuilder(), body.get("hnsw_config"));
    }
    if (body.has("optimizers_config")) {
      merge(b.getOptimizerConfigBuilder(), body.get("optimizers_config"));
    }
    JsonNode q = body.path("quantization_config");
    if (q.isTextual() && q.asText().equals("Disabled")) {
      b.clearQuantizationConfig();
    } else if (q.isObject()) {
      QuantizationConfig.Builder qb = QuantizationConfig.newBuilder();
      merge(qb, q);
      b.setQuantizationConfig(qb);
    }
    JsonNode params = body.path("params");
    if (params.isObject()) {
      merge(b.getParamsBuilder(), params);
    }
    return b.build();
  }

  /** A payload index from a {@code field_schema}: a type name or an object with a {@code type}. */
  static PayloadSchemaInfo index(JsonNode schema) throws QdrantError {
    String type = schema.isTextual() ? schema.asText() : schema.path("type").asText();
    for (PayloadSchemaType t : PayloadSchemaType.values()) {
      if (t.name().equalsIgnoreCase(type)) {
        return PayloadSchemaInfo.newBuilder().setDataType(t).build();
      }
    }
    throw new QdrantError(400, "Json deserialize error: unknown variant `" + type + "`");
  }

  /** Sets the message fields named in the JSON object (values of other shapes, like "auto", are left as they are). */
  private static void merge(Message.Builder b, JsonNode json) throws QdrantError {
    var it = json.fields();
    while (it.hasNext()) {
      var e = it.next();
      FieldDescriptor f = b.getDescriptorForType().findFieldByName(e.getKey());
      JsonNode v = e.getValue();
      if (f == null || v.isNull() || f.isRepeated() || f.isMapField()) {
        continue;
      }
      switch (f.getJavaType()) {
        case LONG -> {
          if (v.isNumber()) {
            b.setField(f, v.asLong());
          }
        }
        case INT -> {
          if (v.isNumber()) {
            b.setField(f, v.asInt());
          }
        }
        case DOUBLE -> b.setField(f, v.asDouble());
        case FLOAT -> b.setField(f, (float) v.asDouble());
        case BOOLEAN -> b.setField(f, v.asBoolean());
        case STRING -> b.setField(f, v.asText());
        case ENUM -> {
          EnumValueDescriptor value = f.getEnumType().getValues().stream()
              .filter(x -> x.getName().equalsIgnoreCase(v.asText())).findFirst()
              .orElseThrow(() -> new QdrantError(400, "Json deserialize error: unknown variant `" + v.asText() + "`"));
          b.setField(f, value);
        }
        case MESSAGE -> {
          if (v.isObject()) {
            merge(b.getFieldBuilder(f), v);
          }
        }
        default -> {
          // bytes: not part of collection config
        }
      }
    }
  }
}
