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
import java.util.Optional;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON API on Javalin: {@code POST /v1/score}, {@code GET /v1/model}, {@code GET
 * /health/live}, {@code GET /health/ready} and {@code GET /metrics}. Every error is a JSON body
 * {@code {"error", "field"}}; unexpected failures are logged here and answered with a generic 500,
 * never with a stack trace.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
  private static final String JSON = "application/json";
  private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

  private final Scorer scorer;
  private final ServiceState state;
  private final ServingMetrics metrics;
  private final RequestLimits limits;
  private final ScoreRequestParser parser;
  private final Javalin app;

  /**
   * Creates the server (not started).
   *
   * @param host address to bind, e.g. {@code 0.0.0.0} or {@code 127.0.0.1}
   * @param port port to bind; 0 picks a free one
   * @param threads request threads; scoring is CPU-bound, so about the number of cores
   */
  public HttpApi(
      Scorer scorer,
      ServiceState state,
      ServingMetrics metrics,
      RequestLimits limits,
      String host,
      int port,
      int threads) {
    this.scorer = scorer;
    this.state = state;
    this.metrics = metrics;
    this.limits = limits;
    this.parser = new ScoreRequestParser(limits);
    QueuedThreadPool pool = new QueuedThreadPool(Math.max(threads, 4), Math.min(threads, 4));
    pool.setName("serving-http");
    this.app =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.jetty.host = host;
              cfg.jetty.port = port;
              cfg.jetty.threadPool = pool;
              cfg.http.maxRequestSize = limits.maxBodyBytes();
              cfg.routes.post("/v1/score", this::score);
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
              cfg.routes.error(
                  404,
                  ctx -> errorIfEmpty(ctx, "no such endpoint: " + ctx.method() + " " + ctx.path()));
              cfg.routes.error(
                  405,
                  ctx ->
                      errorIfEmpty(ctx, "method not allowed: " + ctx.method() + " " + ctx.path()));
            });
  }

  /** Binds and starts serving. */
  public HttpApi start() {
    app.start();
    return this;
  }

  /** The bound port (useful when 0 was asked for). */
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }

  private void score(Context ctx) {
    long start = System.nanoTime();
    ScoreRequest request = parser.parse(readBody(ctx));
    ScoreResult result = scorer.score(request);
    json(ctx, 200, JsonResponses.score(result));
    metrics.recordScore(System.nanoTime() - start, request.size());
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
      json(ctx, 200, JsonResponses.health("ready", List.of()));
    } else {
      json(ctx, 503, JsonResponses.health("not_ready", notReady));
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
      throw ApiException.badRequest("could not read the request body: " + e.getMessage(), null);
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

  private static void errorIfEmpty(Context ctx, String message) {
    // Error handlers also run after an exception handler set the status; keep that body.
    if (ctx.result() == null || ctx.result().isEmpty()) {
      error(ctx, ctx.statusCode(), message, null);
    }
  }

  private static void error(Context ctx, int status, String message, String field) {
    json(ctx, status, JsonResponses.error(message, field));
  }

  private static void json(Context ctx, int status, byte[] body) {
    ctx.status(status).contentType(JSON).result(body);
  }
}
