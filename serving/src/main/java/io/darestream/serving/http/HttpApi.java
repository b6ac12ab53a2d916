package io.darestream.serving.http;

import io.darestream.serving.metrics.ServingMetrics;
import io.darestream.serving.scoring.ModelNotReadyException;
import io.darestream.serving.scoring.ModelStatus;
import io.darestream.serving.scoring.ScoreRequest;
import io.darestream.serving.scoring.ScoreResult;
import io.darestream.serving.scoring.Scorer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON API on Javalin: {@code POST /v1/score}, {@code GET /v1/model}, {@code GET
 * /health/live}, {@code GET /health/ready} and {@code GET /metrics}. Every error is a JSON body
 * {@code {"error", "field"}} that never names a Java class; unexpected failures are logged here and
 * answered with a generic 500, never with a stack trace.
 *
 * <p>Slow clients cannot starve it (see {@link ConnectionLimits}): bodies are read in full off the
 * request threads before a handler runs ({@link BodyBufferingHandler}), silent connections are
 * closed after the idle timeout, scoring runs at most {@code threads} requests at a time (the rest
 * wait without a thread, in order), so the pool always has threads for health checks and metrics,
 * and an optional health port with its own threads and no connection limit answers probes even when
 * the API port is full.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
  private static final String SCORE_PATH = "/v1/score";

  /** The methods of every known path, for 405 and its Allow header. */
  private static final Map<String, String> ALLOWED =
      Map.of(
          SCORE_PATH,
          "POST",
          "/v1/model",
          "GET",
          "/health/live",
          "GET",
          "/health/ready",
          "GET",
          "/metrics",
          "GET");

  // Threads beyond the scoring slots: acceptor and selectors, health, metrics, model info, errors
  // and responses still being written to slow readers.
  private static final int SPARE_THREADS = 24;

  private final Scorer scorer;
  private final ServiceState state;
  private final ServingMetrics metrics;
  private final RequestLimits limits;
  private final ScoreRequestParser parser;
  private final Javalin app;
  private ServerConnector healthConnector;

  /**
   * Creates the server (not started).
   *
   * @param host address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
   * @param port port of the API; 0 picks a free one
   * @param healthPort port of the health connector; 0 picks a free one, -1 for none
   * @param threads requests scored at once; scoring is CPU-bound, so about the number of cores
   */
  public HttpApi(
      Scorer scorer,
      ServiceState state,
      ServingMetrics metrics,
      RequestLimits limits,
      ConnectionLimits connections,
      String host,
      int port,
      int healthPort,
      int threads) {
    this.scorer = scorer;
    this.state = state;
    this.metrics = metrics;
    this.limits = limits;
    this.parser = new ScoreRequestParser(limits);
    QueuedThreadPool pool = new QueuedThreadPool(threads + SPARE_THREADS, Math.min(threads, 8));
    pool.setName("serving-http");
    this.app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.jetty.threadPool = pool;
              cfg.jetty.modifyServer(server -> protect(server, connections, threads));
              cfg.jetty.modifyHttpConfiguration(
                  http -> http.setRequestHeaderSize(connections.maxHeaderBytes()));
              cfg.jetty.addConnector(
                  (server, http) -> apiConnector(server, http, connections, host, port));
              if (healthPort >= 0) {
                cfg.jetty.addConnector(
                    (server, http) -> healthConnector(server, http, connections, host, healthPort));
              }
              cfg.http.maxRequestSize = limits.maxBodyBytes();
              cfg.routes.post(SCORE_PATH, this::score);
              cfg.routes.get("/v1/model", this::model);
              cfg.routes.get(
                  "/health/live", ctx -> json(ctx, 200, JsonResponses.health("up", List.of())));
              cfg.routes.get("/health/ready", this::ready);
              cfg.routes.get(
                  "/metrics", ctx -> ctx.contentType(PROMETHEUS).result(metrics.scrape()));
              cfg.routes.exception(
                  ApiException.class,
                  (e, ctx) -> error(ctx, e.status(), e.getMessage(), e.field()));
              cfg.routes.exception(
                  ModelNotReadyException.class, (e, ctx) -> error(ctx, 503, e.getMessage(), null));
              cfg.routes.exception(
                  HttpResponseException.class,
                  (e, ctx) -> error(ctx, e.getStatus(), e.getMessage(), null));
              cfg.routes.exception(Exception.class, this::unexpected);
              cfg.routes.error(404, HttpApi::notFoundOrWrongMethod);
              cfg.routes.error(
                  405,
                  ctx ->
                      errorIfEmpty(ctx, "method not allowed: " + ctx.method() + " " + ctx.path()));
            });
  }

  /**
   * Wraps Javalin's handler, outermost first: the health connector's path filter, body buffering,
   * then the scoring slots; Jetty's own error pages become JSON.
   */
  private void protect(Server server, ConnectionLimits connections, int threads) {
    QoSHandler scoringSlots = new QoSHandler();
    scoringSlots.includePath(SCORE_PATH);
    scoringSlots.setMaxRequestCount(threads);
    scoringSlots.setMaxSuspend(connections.idleTimeout());
    server.insertHandler(scoringSlots);
    server.insertHandler(
        new BodyBufferingHandler(limits.maxBodyBytes(), connections.bodyTimeout(), metrics));
    server.insertHandler(new HealthConnectorHandler());
    server.setErrorHandler(new JsonErrorHandler());
  }

  private static ServerConnector apiConnector(
      Server server, HttpConfiguration http, ConnectionLimits connections, String host, int port) {
    ServerConnector c = new ServerConnector(server, new HttpConnectionFactory(http));
    c.setName("api");
    c.setHost(host);
    c.setPort(port);
    c.setIdleTimeout(connections.idleTimeout().toMillis());
    // Only the API connector is limited, so the health connector still accepts when it is full.
    server.addBean(new NetworkConnectionLimit(connections.maxConnections(), c));
    return c;
  }

  private ServerConnector healthConnector(
      Server server, HttpConfiguration http, ConnectionLimits connections, String host, int port) {
    QueuedThreadPool pool = new QueuedThreadPool(8, 2);
    pool.setName("serving-health");
    pool.setReservedThreads(0);
    ServerConnector c =
        new ServerConnector(server, pool, null, null, 1, 1, new HttpConnectionFactory(http));
    c.setName(HealthConnectorHandler.CONNECTOR_NAME);
    c.setHost(host);
    c.setPort(port);
    c.setIdleTimeout(connections.idleTimeout().toMillis());
    healthConnector = c;
    return c;
  }

  /** Binds and starts serving. */
  public HttpApi start() {
    app.start();
    return this;
  }

  /** The bound port of the API (useful when 0 was asked for). */
  public int port() {
    return app.port();
  }

  /** The bound port of the health connector, or -1 if there is none. */
  public int healthPort() {
    return healthConnector == null ? -1 : healthConnector.getLocalPort();
  }

  @Override
  public void close() {
    app.stop();
  }

  private void score(Context ctx) {
    long start = System.nanoTime();
    // The raw header: the servlet's getContentType() throws on an unknown charset.
    requireJson(ctx.header("Content-Type"));
    ScoreRequest request = parser.parse(readBody(ctx));
    ScoreResult result = scorer.score(request);
    if (!JsonResponses.allFinite(result)) {
      metrics.nonFiniteScore();
      LOG.error(
          "Model {} produced a non-finite score or weight for user {}; answered 500",
          result.model(),
          request.userId());
      throw new ApiException(500, "the model produced a non-finite score", null);
    }
    json(ctx, 200, JsonResponses.score(result));
    metrics.recordScore(System.nanoTime() - start, request.size());
  }

  /**
   * A body declared as something other than JSON is refused (415); a request without a Content-Type
   * is read as JSON, for the simplest clients.
   */
  private static void requireJson(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return;
    }
    String mime = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!mime.equals(JSON) && !mime.endsWith("+json")) {
      throw new ApiException(
          415, "Content-Type must be application/json, got " + contentType, null);
    }
  }

  private void model(Context ctx) {
    Optional<ModelStatus> model = state.model();
    if (model.isEmpty()) {
      error(ctx, 503, "no model loaded yet", null);
      return;
    }
    json(ctx, 200, JsonResponses.model(model.get()));
  }

  private void ready(Context ctx) {
    List<String> notReady = state.notReady();
    if (notReady.isEmpty()) {
      json(ctx, 200, JsonResponses.health("ready", List.of(), state.warnings()));
    } else {
      json(ctx, 503, JsonResponses.health("not_ready", notReady, state.warnings()));
    }
  }

  /**
   * Reads the body up to the limit. The declared length is checked first so that an oversized
   * request is refused without reading it; a chunked body is cut off one byte past the limit.
   */
  private byte[] readBody(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > limits.maxBodyBytes()) {
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(limits.maxBodyBytes() + 1);
      if (body.length > limits.maxBodyBytes()) {
        throw tooLarge();
      }
      return body;
    } catch (IOException e) {
      // The body is buffered before the handler runs; the message would only name Jetty's class.
      throw ApiException.badRequest("could not read the request body", null);
    }
  }

  private ApiException tooLarge() {
    return new ApiException(
        413, "request body larger than " + limits.maxBodyBytes() + " bytes", null);
  }

  private void unexpected(Exception e, Context ctx) {
    LOG.error("Unexpected failure on {} {}", ctx.method(), ctx.path(), e);
    error(ctx, 500, "internal error", null);
  }

  /** A known path asked with another method is 405 with {@code Allow}; anything else is 404. */
  private static void notFoundOrWrongMethod(Context ctx) {
    String allowed = ALLOWED.get(ctx.path());
    if (allowed == null) {
      errorIfEmpty(ctx, "no such endpoint: " + ctx.method() + " " + ctx.path());
      return;
    }
    ctx.header("Allow", allowed);
    error(
        ctx,
        405,
        "method " + ctx.method() + " not allowed on " + ctx.path() + "; use " + allowed,
        null);
  }

  private static void errorIfEmpty(Context ctx, String message) {
    // Error handlers also run after an exception handler set the status; keep that body.
    if (ctx.result() == null || ctx.result().isEmpty()) {
      error(ctx, ctx.statusCode(), message, null);
    }
  }

  private static void error(Context ctx, int status, String message, String field) {
    json(ctx, status, JsonResponses.error(ClientMessages.forClient(status, message), field));
  }

  private static void json(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON).result(body);
  }
}
