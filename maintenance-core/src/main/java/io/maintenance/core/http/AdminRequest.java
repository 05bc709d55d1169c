package io.maintenance.core.http;

import io.maintenance.api.Principal;
import java.util.Map;
import java.util.Objects;

/**
 * An admin HTTP request, as any web framework can hand it over.
 *
 * @param path the request path, e.g. {@code /maintenance/backups/bk-1}
 * @param query decoded query parameters (first value of each)
 * @param body the request body (JSON), empty when there is none
 * @param principal who the host authenticated; the routes only authorise
 */
public record AdminRequest(String method, String path, Map<String, String> query, String body, Principal principal) {
  public AdminRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    query = Map.copyOf(query);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(principal, "principal");
  }
}
