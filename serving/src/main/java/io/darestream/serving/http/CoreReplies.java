package io.darestream.serving.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** JSON error replies written at Jetty's level, below Javalin, in the API's error format. */
final class CoreReplies {
  private static final String JSON = "application/json";

  private CoreReplies() {}

  /**
   * Writes {@code {"error", "field": null}} with {@code status}; {@code close} asks the client to
   * close the connection (its request was not read to the end, so the connection cannot be reused).
   */
  static void error(Response response, int status, String message, boolean close, Callback done) {
    byte[] body = JsonResponses.error(ClientMessages.forClient(status, message), null);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    if (close) {
      response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }
    response.write(true, ByteBuffer.wrap(body), done);
  }
}
