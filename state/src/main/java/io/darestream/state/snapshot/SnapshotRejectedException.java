package io.darestream.state.snapshot;

import io.darestream.state.StateStoreException;
import java.nio.file.Path;

/** A snapshot that must not be loaded, with the reason; the previous snapshot stays in use. */
public final class SnapshotRejectedException extends StateStoreException {
  private static final long serialVersionUID = 1L;

  /** Why a snapshot was refused. */
  public enum Reason {
    /** The manifest or a listed file is missing (an unfinished or half-copied publish). */
    PARTIAL,
    /** A checksum, a size or the manifest's content is wrong. */
    CORRUPT,
    /** Written in a manifest format version this reader does not know. */
    UNKNOWN_VERSION,
    /** The manifest names a path outside the snapshot's directory. */
    UNSAFE_PATH
  }

  private final transient Path directory;
  private final Reason reason;

  public SnapshotRejectedException(Path directory, Reason reason, String detail) {
    super("snapshot " + directory + " refused (" + reason + "): " + detail);
    this.directory = directory;
    this.reason = reason;
  }

  public Path directory() {
    return directory;
  }

  public Reason reason() {
    return reason;
  }
}
