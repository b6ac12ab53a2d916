package io.darestream.serving.http;

/**
 * Bounds on one scoring request, so that a single caller cannot make the service allocate or
 * compute without limit: body bytes and candidates per request.
 */
public record RequestLimits(int maxBodyBytes, int maxCandidates) {
  /** 1,000 candidates, 1 MiB of body (a candidate is ~45 bytes of JSON, so ~20x headroom). */
  public static final RequestLimits DEFAULTS = new RequestLimits(1 << 20, 1_000);

  public RequestLimits {
    if (maxBodyBytes < 64) {
      throw new IllegalArgumentException("maxBodyBytes must be >= 64, got " + maxBodyBytes);
    }
    if (maxCandidates < 1) {
      throw new IllegalArgumentException("maxCandidates must be >= 1, got " + maxCandidates);
    }
  }
}
