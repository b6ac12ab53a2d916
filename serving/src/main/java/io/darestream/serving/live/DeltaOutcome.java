package io.darestream.serving.live;

/** What applying one {@code ModelDelta} record did. */
public enum DeltaOutcome {
  /** Its rows were written. */
  APPLIED,
  /** Its epoch is older than the one being served: written before a restore, never applied. */
  STALE_EPOCH,
  /** Same epoch, but the table already holds a newer version (e.g. already in the snapshot). */
  OLDER_VERSION,
  /** Written for another model id than the one being served. */
  OTHER_MODEL,
  /** A row holds NaN or an infinity; refused whole, nothing written. */
  NON_FINITE,
  /** Unusable: a row's byte length does not match {@code dim}, or the table is unknown. */
  MALFORMED
}
