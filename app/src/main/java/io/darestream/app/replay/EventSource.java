package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Iterator;
import java.util.List;

/**
 * Events to replay, pulled one at a time so that a source never holds its whole input in memory.
 */
public interface EventSource extends Iterator<BehaviorEvent>, AutoCloseable {
  /** Events this source yields in total, or -1 when that is only known at the end. */
  long total();

  /** Input lines skipped as malformed so far (0 for generated streams). */
  long skipped();

  /**
   * Why the first of those lines were skipped, each as {@code file:line: reason} (at most {@link
   * io.darestream.schemas.input.ParseOptions#DEFAULT_KEPT_REASONS}, so a file full of errors cannot
   * exhaust memory).
   */
  default List<String> firstSkipReasons() {
    return List.of();
  }

  /** What is replayed, for progress lines and reports (e.g. "taobao UserBehavior.csv"). */
  String description();

  @Override
  void close();
}
