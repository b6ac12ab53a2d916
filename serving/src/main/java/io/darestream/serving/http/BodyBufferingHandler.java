package io.darestream.serving.http;

import io.darestream.serving.metrics.ServingMetrics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request's body in full before the application sees it, without holding a thread while the
 * bytes arrive: chunks are collected from Jetty's demand callbacks, and only a complete body is
 * handed on (Javalin's handlers read with blocking I/O, which let one half-sent body pin a request
 * thread until the idle timeout). Each body is bounded in size and in time:
 *
 * <ul>
 *   <li>a body over the limit, declared or counted, is answered 413 at once; the rest is then read
 *       and discarded (up to four times the limit, at least {@link #MIN_DRAIN_BYTES}, within the
 *       body timeout) before the connection closes, so that the client, still sending, reads the
 *       413 rather than a connection reset;
 *   <li>a body not complete within the body timeout is answered 408 and the connection closed.
 * </ul>
 */
final class BodyBufferingHandler extends Handler.Wrapper {
  /** The least a refused body is read and discarded for before its connection closes. */
  static final long MIN_DRAIN_BYTES = 16L << 20;

  private final int maxBodyBytes;
  private final long bodyTimeoutMs;
  private final long drainLimitBytes;
  private final ServingMetrics metrics;

  BodyBufferingHandler(int maxBodyBytes, Duration bodyTimeout, ServingMetrics metrics) {
    this.maxBodyBytes = maxBodyBytes;
    this.bodyTimeoutMs = bodyTimeout.toMillis();
    // Enough for any client that sent a few times the limit before reading its answer, and never
    // less than MIN_DRAIN_BYTES: closing while the client still sends makes the kernel answer with
    // a reset, which can discard the 413 before the client reads it (seen in CI: a 5 MB body at a
    // 2 KB limit, drained only 8 KB, got "header parser received no bytes"). Draining only discards
    // bytes and holds no thread, and the body timeout still ends it.
    this.drainLimitBytes = Math.max(4L * maxBodyBytes, MIN_DRAIN_BYTES);
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    long declared = request.getLength();
    boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    if (declared <= 0 && !chunked) {
      return super.handle(request, response, callback);
    }
    BodyLoad load = new BodyLoad(request, response, callback);
    if (declared > maxBodyBytes) {
      load.refuseTooLarge();
    } else {
      load.start(declared > 0 ? (int) declared : Math.min(maxBodyBytes, 8192));
    }
    return true;
  }

  private String tooLargeMessage() {
    return "request body larger than " + maxBodyBytes + " bytes";
  }

  /**
   * One body being read. A plain {@link Runnable} as demand callback: Jetty then treats it as
   * blocking and runs it on a request thread, where the application may be called directly.
   */
  private final class BodyLoad implements Runnable {
    private static final int READING = 0;
    private static final int DRAINING = 1;
    private static final int DONE = 2;

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final AtomicInteger state = new AtomicInteger(READING);
    // While draining, the callback completes once both the 413 is written and the drain ended.
    private final AtomicInteger drainParts = new AtomicInteger(2);
    private byte[] body;
    private int size;
    private long drained;
    private Scheduler.Task deadline;

    BodyLoad(Request request, Response response, Callback callback) {
      this.request = request;
      this.response = response;
      this.callback = callback;
    }

    void start(int initialCapacity) {
      body = new byte[initialCapacity];
      scheduleDeadline();
      pump();
    }

    void refuseTooLarge() {
      scheduleDeadline();
      beginDrain();
      pump();
    }

    private void scheduleDeadline() {
      Scheduler scheduler = request.getComponents().getScheduler();
      deadline = scheduler.schedule(this::expire, bodyTimeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
      pump();
    }

    private void pump() {
      while (state.get() != DONE) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          failed(chunk.getFailure());
          return;
        }
        boolean last = chunk.isLast();
        try {
          if (state.get() == READING && (long) size + chunk.remaining() > maxBodyBytes) {
            beginDrain();
          }
          if (state.get() == READING) {
            append(chunk.getByteBuffer());
          } else {
            drained += chunk.remaining();
          }
        } finally {
          chunk.release();
        }
        if (last) {
          if (state.get() == READING) {
            complete();
          } else {
            endDrain();
          }
          return;
        }
        if (state.get() == DRAINING && drained > drainLimitBytes) {
          endDrain();
          return;
        }
      }
    }

    private void append(ByteBuffer bytes) {
      int n = bytes.remaining();
      if (size + n > body.length) {
        int capacity = (int) Math.min(maxBodyBytes, Math.max(size + n, 2L * body.length));
        byte[] grown = new byte[capacity];
        System.arraycopy(body, 0, grown, 0, size);
        body = grown;
      }
      bytes.get(body, size, n);
      size += n;
    }

    /** The whole body is here: hands the request on, its body replayed from memory. */
    private void complete() {
      if (!state.compareAndSet(READING, DONE)) {
        return;
      }
      deadline.cancel();
      Request buffered = new BufferedRequest(request, ByteBuffer.wrap(body, 0, size));
      body = null;
      try {
        Handler next = getHandler();
        if (next == null || !next.handle(buffered, response, callback)) {
          Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
      } catch (Throwable t) {
        Response.writeError(request, response, callback, t);
      }
    }

    private void beginDrain() {
      if (!state.compareAndSet(READING, DRAINING)) {
        return;
      }
      body = null;
      metrics.httpRejected("body_too_large");
      CoreReplies.error(
          response,
          HttpStatus.PAYLOAD_TOO_LARGE_413,
          tooLargeMessage(),
          true,
          Callback.from(this::drainPartDone, this::drainWriteFailed));
    }

    private void endDrain() {
      if (state.compareAndSet(DRAINING, DONE)) {
        deadline.cancel();
        drainPartDone();
      }
    }

    private void drainPartDone() {
      if (drainParts.decrementAndGet() == 0) {
        callback.succeeded();
      }
    }

    private void drainWriteFailed(Throwable x) {
      state.set(DONE);
      deadline.cancel();
      callback.failed(x);
    }

    /** The body timed out: 408 if it was still being read, else the drain simply ends. */
    private void expire() {
      if (state.compareAndSet(READING, DONE)) {
        metrics.httpRejected("body_timeout");
        CoreReplies.error(
            response,
            HttpStatus.REQUEST_TIMEOUT_408,
            "request body not received within " + bodyTimeoutMs + " ms",
            true,
            callback);
      } else {
        endDrain();
      }
    }

    /** Reading failed: the connection timed out (408) or broke (400, most likely unread). */
    private void failed(Throwable failure) {
      if (state.get() == DRAINING) {
        endDrain();
        return;
      }
      if (!state.compareAndSet(READING, DONE)) {
        return;
      }
      deadline.cancel();
      boolean timedOut = failure instanceof TimeoutException;
      metrics.httpRejected(timedOut ? "body_timeout" : "body_unreadable");
      CoreReplies.error(
          response,
          timedOut ? HttpStatus.REQUEST_TIMEOUT_408 : HttpStatus.BAD_REQUEST_400,
          timedOut ? "request body not received in time" : "request body could not be read",
          true,
          callback);
    }
  }

  /** The request with its body already in memory: reads return it, then end of content. */
  private static final class BufferedRequest extends Request.Wrapper {
    private Content.Chunk body;

    BufferedRequest(Request wrapped, ByteBuffer bytes) {
      super(wrapped);
      this.body = Content.Chunk.from(bytes, true);
    }

    @Override
    public Content.Chunk read() {
      Content.Chunk chunk = body;
      if (chunk == null) {
        return Content.Chunk.EOF;
      }
      body = null;
      return chunk;
    }

    @Override
    public void demand(Runnable demandCallback) {
      demandCallback.run(); // content (or its end) is always available
    }
  }
}
