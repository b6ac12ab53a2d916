package io.darestream.schemas.validate;

/**
 * Why an event was rejected: a machine-readable code (the dead-letter reason code, also used as a
 * metric label) and a message that names the offending field and value.
 */
public record Violation(String code, String message) {
  /** A field is missing, negative or otherwise out of its domain. */
  public static final String INVALID_FIELD = "INVALID_FIELD";

  /** The behaviour type is one this reader does not know. */
  public static final String UNKNOWN_TYPE = "UNKNOWN_TYPE";

  /** The event time is too far behind the stream's watermark to be placed in order. */
  public static final String LATE_EVENT = "LATE_EVENT";

  /** The event time is too far ahead of its record's time (see {@link EventPolicy}). */
  public static final String FUTURE_EVENT = "FUTURE_EVENT";

  /** A user, item or category id is above the configured largest id. */
  public static final String ID_OUT_OF_RANGE = "ID_OUT_OF_RANGE";
}
