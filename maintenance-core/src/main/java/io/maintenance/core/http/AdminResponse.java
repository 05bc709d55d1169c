package io.maintenance.core.http;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/** The answer to write back: status, content type, body and extra headers. */
public record AdminResponse(int status, String contentType, String body, Map<String, String> headers) {
  public static final String JSON = "application/json";
  public static final String PROBLEM_JSON = "application/problem+json";
  public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  public AdminResponse {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
  }

  public byte[] bodyBytes() {
    return body.getBytes(StandardCharsets.UTF_8);
  }
}
