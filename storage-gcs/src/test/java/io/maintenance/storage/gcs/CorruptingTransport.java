package io.maintenance.storage.gcs;

import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.LowLevelHttpRequest;
import com.google.api.client.http.LowLevelHttpResponse;
import com.google.api.client.http.javanet.NetHttpTransport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP transport that flips one byte in the body of the next {@code n} upload PUTs, as a
 * faulty network path or NIC would. Everything else goes to the server untouched.
 */
final class CorruptingTransport extends HttpTransport {
  final AtomicInteger corruptPuts = new AtomicInteger();
  private final NetHttpTransport delegate = new NetHttpTransport();

  @Override
  protected LowLevelHttpRequest buildRequest(String method, String url) throws IOException {
    LowLevelHttpRequest real = lowLevel(method, url);
    return new LowLevelHttpRequest() {
      @Override
      public void addHeader(String name, String value) throws IOException {
        real.addHeader(name, value);
      }

      @Override
      public void setTimeout(int connectTimeout, int readTimeout) throws IOException {
        real.setTimeout(connectTimeout, readTimeout);
      }

      @Override
      public LowLevelHttpResponse execute() throws IOException {
        real.setContentLength(getContentLength());
        real.setContentType(getContentType());
        real.setContentEncoding(getContentEncoding());
        var content = getStreamingContent();
        if (content != null && method.equals("PUT") && url.contains("upload_id=") && getContentLength() > 0
            && corruptPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          ByteArrayOutputStream body = new ByteArrayOutputStream();
          content.writeTo(body);
          byte[] bytes = body.toByteArray();
          bytes[bytes.length / 2] ^= 0x5a;
          real.setStreamingContent(out -> out.write(bytes));
        } else {
          real.setStreamingContent(content);
        }
        return real.execute();
      }
    };
  }

  /** NetHttpTransport is final and its factory method protected: call it reflectively (test code only). */
  private LowLevelHttpRequest lowLevel(String method, String url) throws IOException {
    try {
      java.lang.reflect.Method m = NetHttpTransport.class.getDeclaredMethod("buildRequest", String.class, String.class);
      m.setAccessible(true);
      return (LowLevelHttpRequest) m.invoke(delegate, method, url);
    } catch (ReflectiveOperationException e) {
      throw new IOException(e);
    }
  }
}
