package io.darestream.serving.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * One closed-loop client of {@link ServingLoadBench}: posts a body, waits for the whole answer,
 * returns the status. Two kinds, chosen with {@code -Dbench.client}:
 *
 * <ul>
 *   <li>{@code jdk} (default): {@link HttpClient}, asynchronous inside: its selector thread reads
 *       the answer and hands it to the waiting thread.
 *   <li>{@code blocking}: {@link HttpURLConnection} with keep-alive, whose calling thread writes
 *       and reads the socket itself; fewer thread hand-offs on the load generator's side, so less
 *       of the client in the measured latency.
 * </ul>
 */
interface LoadClient {
  int post(String body) throws IOException, InterruptedException;

  static LoadClient create(URI uri) {
    String kind = System.getProperty("bench.client", "jdk");
    return switch (kind) {
      case "jdk" -> new Jdk(uri);
      case "blocking" -> new Blocking(uri);
      default ->
          throw new IllegalArgumentException("bench.client must be jdk or blocking: " + kind);
    };
  }

  /** {@link HttpClient} over HTTP/1.1, one per client thread (its own connection). */
  final class Jdk implements LoadClient {
    private final URI uri;
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Jdk(URI uri) {
      this.uri = uri;
    }

    @Override
    public int post(String body) throws IOException, InterruptedException {
      HttpRequest req =
          HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).build();
      return http.send(req, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
    }
  }

  /** {@link HttpURLConnection}; the JDK keeps the connection alive between calls of a thread. */
  final class Blocking implements LoadClient {
    private final URI uri;
    private final byte[] drain = new byte[16 * 1024];

    Blocking(URI uri) {
      this.uri = uri;
    }

    @Override
    public int post(String body) throws IOException {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      c.setFixedLengthStreamingMode(bytes.length);
      c.setRequestProperty("Content-Type", "application/json");
      try (OutputStream out = c.getOutputStream()) {
        out.write(bytes);
      }
      int status = c.getResponseCode();
      // Read to the end and close (not disconnect): the connection goes back for reuse.
      try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
        if (in != null) {
          while (in.read(drain) >= 0) {
            // the body itself is not needed
          }
        }
      }
      return status;
    }
  }
}
