package io.darestream.app.replay;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.serde.Codecs;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An {@link EventSource} that skips what a topic already holds ({@link ReplayPosition}): per
 * partition, the first events of the input routed there. The last skipped event of each partition
 * is checked against the partition's last record, so that a topic filled from another input (other
 * file, other seed) is refused rather than continued.
 */
final class ResumedSource implements EventSource {
  private final EventSource source;
  private final ReplayPosition position;
  private final long[] seen;
  private long skippedPresent;
  private BehaviorEvent next;

  ResumedSource(EventSource source, ReplayPosition position) {
    this.source = source;
    this.position = position;
    this.seen = new long[position.partitions()];
  }

  @Override
  public boolean hasNext() {
    while (next == null && source.hasNext()) {
      BehaviorEvent e = source.next();
      int p = KafkaReplayer.partitionOf(KafkaReplayer.keyOf(e), seen.length);
      if (seen[p] < position.present(p)) {
        seen[p]++;
        skippedPresent++;
        if (seen[p] == position.present(p)
            && !Arrays.equals(Codecs.BEHAVIOR_EVENT.encode(e), position.last(p))) {
          throw mismatch(
              "record "
                  + (seen[p] - 1)
                  + " of partition "
                  + p
                  + " is not the input's event "
                  + e.getEventId());
        }
      } else {
        next = e;
      }
    }
    if (next == null) {
      for (int p = 0; p < seen.length; p++) {
        if (seen[p] < position.present(p)) {
          throw mismatch(
              "partition "
                  + p
                  + " holds "
                  + position.present(p)
                  + " records, the input has only "
                  + seen[p]
                  + " for it");
        }
      }
    }
    return next != null;
  }

  private ReplayException mismatch(String what) {
    return new ReplayException(
        "topic "
            + position.topic()
            + " does not hold a prefix of this input ("
            + what
            + "): was it filled from another dataset or seed?",
        null);
  }

  @Override
  public BehaviorEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    BehaviorEvent e = next;
    next = null;
    return e;
  }

  /** Events of the input skipped because the topic already held them. */
  long skippedPresent() {
    return skippedPresent;
  }

  @Override
  public long total() {
    return source.total();
  }

  @Override
  public long skipped() {
    return source.skipped();
  }

  @Override
  public List<String> firstSkipReasons() {
    return source.firstSkipReasons();
  }

  @Override
  public String description() {
    return source.description();
  }

  @Override
  public void close() {
    source.close();
  }
}
