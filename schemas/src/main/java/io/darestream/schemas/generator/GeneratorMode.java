package io.darestream.schemas.generator;

/** What kind of stream the generator produces. */
public enum GeneratorMode {
  /**
   * Organic CLICK history plus, after each user's early burst, IMPRESSION events with request ids;
   * some impressions are followed by a CLICK with the same request id and item (the label).
   */
  IMPRESSIONS,
  /** Only organic CLICK events; labels come from sampled negatives downstream. */
  CLICK_ONLY
}
