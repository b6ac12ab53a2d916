package io.darestream.serving.http;

import java.time.Duration;

/**
 * Bounds on what one HTTP connection may hold, so that slow or half-sent requests cannot starve
 * scoring and health checks: how long a connection may stay silent, how long a request body may
 * take to arrive in full, the request header size and the number of open connections.
 *
 * <p>Bodies are read off the request threads (see {@link BodyBufferingHandler}), so a stalled body
 * holds a connection and at most {@link RequestLimits#maxBodyBytes()} of memory, never a thread;
 * {@code maxConnections} times the body limit bounds that memory.
 */
public record ConnectionLimits(
    Duration idleTimeout, Duration bodyTimeout, int maxHeaderBytes, int maxConnections) {
  /** 10 s idle, 5 s per body, 8 KiB of headers, 512 connections. */
  public static final ConnectionLimits DEFAULTS =
      new ConnectionLimits(Duration.ofSeconds(10), Duration.ofSeconds(5), 8 * 1024, 512);

  public ConnectionLimits {
    if (idleTimeout == null || idleTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("idle timeout must be >= 1 ms, got " + idleTimeout);
    }
    if (bodyTimeout == null || bodyTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("body timeout must be >= 1 ms, got " + bodyTimeout);
    }
    if (maxHeaderBytes < 1024) {
      throw new IllegalArgumentException("maxHeaderBytes must be >= 1024, got " + maxHeaderBytes);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
    }
  }
}
