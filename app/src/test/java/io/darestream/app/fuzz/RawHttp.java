package io.darestream.app.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, one request per connection ({@code Connection: close}): the fuzz
 * harness must send what a well-behaved client library refuses to (half-sent bodies, header floods,
 * broken request lines) and see exactly what the server answers.
 */
final class RawHttp {
  private static final int READ_TIMEOUT_MS = 60_000;
  private static final int MAX_RESPONSE_BYTES = 1 << 20;

  /** A status and body; status -1 when the server closed the connection without an answer. */
  record Response(int status, String body) {
    static final Response NONE = new Response(-1, "");
  }

  private RawHttp() {}

  /** A request with a body and a correct Content-Length. */
  static byte[] request(String method, String path, String contentType, byte[] body) {
    StringBuilder head =
        new StringBuilder(method)
            .append(' ')
            .append(path)
            .append(" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    if (contentType != null) {
      head.append("Content-Type: ").append(contentType).append("\r\n");
    }
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    return concat(head.toString().getBytes(StandardCharsets.US_ASCII), body);
  }

  /** A JSON POST to {@code path}. */
  static byte[] postJson(String path, String json) {
    return request("POST", path, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends {@code bytes} and reads the answer until the server closes. A write the server cut short
   * (it may answer 413 and close) still reads what it answered.
   */
  static Response exchange(int port, byte[] bytes) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(READ_TIMEOUT_MS);
      OutputStream out = s.getOutputStream();
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        // The server refused the rest; what it said is in the input.
      }
      return read(s.getInputStream());
    }
  }

  private static Response read(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    try {
      while ((n = in.read(buf)) > 0 && all.size() < MAX_RESPONSE_BYTES) {
        all.write(buf, 0, n);
      }
    } catch (IOException e) {
      // A reset after the answer: keep what arrived.
    }
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || end < 0 || text.length() < 12) {
      return Response.NONE;
    }
    int status = Integer.parseInt(text.substring(9, 12));
    String headers = text.substring(0, end).toLowerCase(Locale.ROOT);
    String body = text.substring(end + 4);
    if (headers.contains("transfer-encoding: chunked")) {
      body = dechunk(body);
    }
    return new Response(
        status, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
  }

  private static String dechunk(String s) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < s.length()) {
      int eol = s.indexOf("\r\n", at);
      if (eol < 0) {
        break;
      }
      String size = s.substring(at, eol).trim();
      int semi = size.indexOf(';');
      int len = Integer.parseInt(semi < 0 ? size : size.substring(0, semi), 16);
      if (len == 0) {
        break;
      }
      int from = eol + 2;
      out.append(s, from, Math.min(s.length(), from + len));
      at = from + len + 2;
    }
    return out.toString();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
