package io.darestream.serving.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error responses (a malformed request line, headers over the limit, a failure before
 * Javalin runs) in the API's JSON error format, with the message passed through {@link
 * ClientMessages} instead of Jetty's HTML page, which can show exception names.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    CoreReplies.error(response, code, message, false, callback);
  }
}
