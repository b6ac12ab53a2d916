package io.darestream.state.rocksdb;

import org.rocksdb.DBOptions;

/**
 * Bounds RocksDB's own info LOG, which grows without limit by default: in the one-hour expiry soak
 * the trainer's store wrote 17.5 MB of it. Every store of this module opens with these settings.
 */
public final class RocksDbLogs {
  /** Largest info LOG file before RocksDB rolls it. */
  public static final long MAX_LOG_FILE_BYTES = 4L << 20;

  /** Info LOG files kept, the current one included. */
  public static final long KEPT_LOG_FILES = 3;

  private RocksDbLogs() {}

  /**
   * {@code options} with the info LOG bounded to {@link #KEPT_LOG_FILES} x {@link
   * #MAX_LOG_FILE_BYTES}.
   */
  public static DBOptions bounded(DBOptions options) {
    return options.setMaxLogFileSize(MAX_LOG_FILE_BYTES).setKeepLogFileNum(KEPT_LOG_FILES);
  }
}
