package io.darestream.serving.http;

import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpStatus;

/**
 * The one gate every error message passes on its way to a client: a message that names a Java class
 * or exception (as Jetty's, Jackson's and the JDK's messages often do) is replaced by the status's
 * reason phrase, so internals never leak into a response body.
 */
final class ClientMessages {
  // A qualified name (org.eclipse.jetty.io.EofException) or any *Exception / *Error / Throwable.
  private static final Pattern INTERNAL =
      Pattern.compile(
          "(?:\\b[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*|\\w*(?:Exception|Throwable)\\b|\\b\\w+Error\\b");

  private ClientMessages() {}

  /** {@code message} if it is safe to show, else the reason phrase of {@code status}. */
  static String forClient(int status, String message) {
    if (message == null || message.isBlank() || INTERNAL.matcher(message).find()) {
      return HttpStatus.getMessage(status);
    }
    return message;
  }
}
