package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * An {@link EventSource} over an iterator: a file's reader, a generator's stream, or a sorted run
 * held in memory.
 *
 * @param events the events, pulled one at a time
 * @param total events in total, or -1 when only known at the end
 * @param skippedSoFar input lines skipped as malformed so far
 * @param skipReasons why the first of them were skipped
 * @param description what is replayed
 * @param onClose releases what the iterator reads from
 */
record IteratorSource(
    Iterator<BehaviorEvent> events,
    long total,
    LongSupplier skippedSoFar,
    Supplier<List<String>> skipReasons,
    String description,
    Runnable onClose)
    implements EventSource {

  /** The events of a list, no line having been dropped before it was made. */
  static IteratorSource of(List<BehaviorEvent> events, String description) {
    return of(events, 0, List.of(), description);
  }

  /**
   * The events of a list, {@code skipped} lines having been dropped before it was made, for the
   * first of them {@code reasons}.
   */
  static IteratorSource of(
      List<BehaviorEvent> events, long skipped, List<String> reasons, String description) {
    List<String> kept = List.copyOf(reasons);
    return new IteratorSource(
        events.iterator(), events.size(), () -> skipped, () -> kept, description, () -> {});
  }

  @Override
  public boolean hasNext() {
    return events.hasNext();
  }

  @Override
  public BehaviorEvent next() {
    return events.next();
  }

  @Override
  public long skipped() {
    return skippedSoFar.getAsLong();
  }

  @Override
  public List<String> firstSkipReasons() {
    return skipReasons.get();
  }

  @Override
  public void close() {
    onClose.run();
  }
}
