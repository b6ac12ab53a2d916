package io.darestream.schemas.serde;

/**
 * A record that could not be decoded. Carries a machine-readable {@link Reason} (used as the
 * dead-letter reason code and for counting) and a message that says what was wrong.
 */
public final class DecodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a record could not be decoded. */
  public enum Reason {
    /** Empty or null payload. */
    EMPTY,
    /** The payload does not start with the Avro single-object marker (C3 01). */
    BAD_HEADER,
    /** The writer schema's fingerprint is not known to this reader. */
    UNKNOWN_SCHEMA,
    /**
     * The payload (or, in the job, its Kafka key) is larger than the reader accepts; see {@link
     * DecodeLimits#maxRecordBytes}.
     */
    TOO_LARGE,
    /**
     * A string, bytes, array or map claims more than the record holds or than the {@link
     * DecodeLimits} allow (the poison pill: a tiny record claiming a 2 GB string), or nests too
     * deep. Refused before anything is allocated.
     */
    BAD_LENGTH,
    /** The header is fine but the body does not decode against the writer schema. */
    DECODE_FAILED
  }

  private final Reason reason;

  public DecodeException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public DecodeException(Reason reason, String message) {
    this(reason, message, null);
  }

  public Reason reason() {
    return reason;
  }
}
