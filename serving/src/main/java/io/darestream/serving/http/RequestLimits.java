package io.darestream.serving.http;

import io.darestream.schemas.validate.EventPolicy;

/**
 * Bounds on one scoring request, so that a single caller cannot make the service allocate or
 * compute without limit: body bytes and candidates per request, and the largest user, item and
 * category id (the event policy's {@code dare.ingest.max-id}: an id the feed and the trainer refuse
 * can never have a history or a trained row, so a request naming one is a client error).
 */
public record RequestLimits(int maxBodyBytes, int maxCandidates, long maxId) {
  /** 1,000 candidates, 1 MiB of body (a candidate is ~45 bytes of JSON, so ~20x headroom). */
  public static final RequestLimits DEFAULTS = new RequestLimits(1 << 20, 1_000);

  public RequestLimits {
    if (maxBodyBytes < 64) {
      throw new IllegalArgumentException("maxBodyBytes must be >= 64, got " + maxBodyBytes);
    }
    if (maxCandidates < 1) {
      throw new IllegalArgumentException("maxCandidates must be >= 1, got " + maxCandidates);
    }
    if (maxId < 1) {
      throw new IllegalArgumentException("maxId must be >= 1, got " + maxId);
    }
  }

  /** Limits with the event policy's default largest id ({@link EventPolicy#DEFAULT_MAX_ID}). */
  public RequestLimits(int maxBodyBytes, int maxCandidates) {
    this(maxBodyBytes, maxCandidates, EventPolicy.DEFAULT_MAX_ID);
  }

  /** These limits with {@code maxId} as the largest accepted id. */
  public RequestLimits withMaxId(long maxId) {
    return new RequestLimits(maxBodyBytes, maxCandidates, maxId);
  }
}
