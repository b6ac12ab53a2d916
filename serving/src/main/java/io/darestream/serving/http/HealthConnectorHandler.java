package io.darestream.serving.http;

import java.util.Set;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Keeps the health connector to what probes and scrapers need ({@code /health/*}, {@code
 * /metrics}): it has its own small thread pool and no connection limit, so that it stays answerable
 * when the API connector is saturated; scoring there would defeat that.
 */
final class HealthConnectorHandler extends Handler.Wrapper {
  static final String CONNECTOR_NAME = "health";
  private static final Set<String> PATHS = Set.of("/health/live", "/health/ready", "/metrics");

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Connector connector = request.getConnectionMetaData().getConnector();
    if (connector != null
        && CONNECTOR_NAME.equals(connector.getName())
        && !PATHS.contains(Request.getPathInContext(request))) {
      CoreReplies.error(
          response,
          HttpStatus.NOT_FOUND_404,
          "the health port serves only /health/live, /health/ready and /metrics",
          false,
          callback);
      return true;
    }
    return super.handle(request, response, callback);
  }
}
