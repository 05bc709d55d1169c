package io.maintenance.storage.gcs.internal;

import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpContent;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestFactory;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.json.JsonObjectParser;
import com.google.api.client.json.gson.GsonFactory;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The Cloud Storage JSON API of one bucket, for the requests the client library does not expose in a
 * form that survives a process crash ({@link ResumableUploads}, {@link MediaReads}). Requests go through
 * the library's own {@link HttpRequestFactory}, so credentials, timeouts, user agent and the endpoint are
 * exactly those of the {@code Storage} the host configured; every request follows the {@link RetryPolicy}.
 */
public final class JsonApi {
  static final GsonFactory JSON = GsonFactory.getDefaultInstance();

  private final HttpRequestFactory requests;
  private final String host;
  private final String bucket;
  private final RetryPolicy retries;

  public JsonApi(HttpRequestFactory requests, String host, String bucket, RetryPolicy retries) {
    this.requests = requests;
    this.host = host.endsWith("/") ? host.substring(0, host.length() - 1) : host;
    this.bucket = bucket;
    this.retries = retries;
  }

  public String bucket() {
    return bucket;
  }

  RetryPolicy retries() {
    return retries;
  }

  /** {@code /storage/v1/b/<bucket>/o/<object><query>}; {@code query} starts with {@code ?} or is empty. */
  GenericUrl objectUrl(String objectName, String query) {
    return new GenericUrl(host + "/storage/v1/b/" + encode(bucket) + "/o/" + encode(objectName) + query);
  }

  /** {@code /upload/storage/v1/b/<bucket>/o<query>}. */
  GenericUrl uploadUrl(String query) {
    return new GenericUrl(host + "/upload/storage/v1/b/" + encode(bucket) + "/o" + query);
  }

  /** A request of {@code call}, answering JSON bodies; see {@link RetryPolicy.Call#apply(HttpRequest, Consumer)}. */
  HttpRequest request(String method, GenericUrl url, HttpContent content, RetryPolicy.Call call, Consumer<HttpRequest> beforeRetry)
      throws IOException {
    HttpRequest request = requests.buildRequest(method, url, content);
    request.setParser(new JsonObjectParser(JSON));
    return call.apply(request, beforeRetry);
  }

  HttpRequest request(String method, GenericUrl url, HttpContent content, RetryPolicy.Call call) throws IOException {
    return request(method, url, content, call, r -> {});
  }

  /** Percent-encodes a path segment or query value (a '/' in an object name becomes %2F). */
  public static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The body of an error response (the server's explanation), or empty. */
  static String errorMessage(HttpResponse response) {
    try {
      String body = response.parseAsString();
      return body == null ? "" : body;
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** Ends a small exchange, keeping the connection for reuse when the body can be read to its end. */
  static void release(HttpResponse response) {
    if (response != null) {
      try {
        response.ignore();
      } catch (IOException e) {
        disconnect(response);
      }
    }
  }

  static void disconnect(HttpResponse response) {
    if (response != null) {
      try {
        response.disconnect();
      } catch (IOException ignored) {
        // the exchange is over either way
      }
    }
  }
}
