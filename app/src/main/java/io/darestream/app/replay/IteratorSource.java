package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * An {@link EventSource} over an iterator: a file's reader, a generator's stream, or a sorted run
 * held in memory.
 */
final class IteratorSource implements EventSource {
  private final Iterator<BehaviorEvent> events;
  private final long total;
  private final LongSupplier skipped;
  private final String description;
  private final Runnable onClose;

  IteratorSource(
      Iterator<BehaviorEvent> events,
      long total,
      LongSupplier skipped,
      String description,
      Runnable onClose) {
    this.events = events;
    this.total = total;
    this.skipped = skipped;
    this.description = description;
    this.onClose = onClose;
  }

  /** The events of a list, {@code skipped} lines having been dropped before it was made. */
  static IteratorSource of(List<BehaviorEvent> events, long skipped, String description) {
    return new IteratorSource(
        events.iterator(), events.size(), () -> skipped, description, () -> {});
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
  public long total() {
    return total;
  }

  @Override
  public long skipped() {
    return skipped.getAsLong();
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() {
    onClose.run();
  }
}
