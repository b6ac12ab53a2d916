package io.darestream.app.local;

import io.darestream.app.pretrain.Pretrainer;
import io.darestream.app.replay.EventSource;
import io.darestream.app.stats.VariantStats;
import io.darestream.jobs.bootstrap.PretrainedDir;
import io.darestream.schemas.avro.BehaviorEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A local run that starts from history ({@code local --warm-start FILE --until TIME}): the events
 * up to the cut are pretrained ({@link Pretrainer}: model snapshot and the job's state as a
 * savepoint in the work dir), the job starts from that savepoint, and two trainers take the same
 * online samples side by side: the warm one starts from the pretrained model, the cold one ({@link
 * #COLD_SUFFIX}) from a new model. The report plots both; the summary gives their AUC over the
 * first {@link VariantStats#WINDOW} online samples.
 *
 * <p>Both trainers see the same samples, made from the restored sequences: the comparison isolates
 * the pretrained model. (A deployment without any history would also have empty sequences.)
 */
public final class WarmStart {
  /** Name suffix of the cold-start trainer beside the warm one. */
  public static final String COLD_SUFFIX = "-cold";

  private final long untilMs;
  private Pretrainer.Result pretrained;

  /**
   * @param untilMs last event time of the pretrained history
   */
  public WarmStart(long untilMs) {
    this.untilMs = untilMs;
  }

  public long untilMs() {
    return untilMs;
  }

  void pretrained(Pretrainer.Result result) {
    this.pretrained = result;
  }

  /** The pretrained directory, once pretraining ran. */
  Optional<PretrainedDir> dir() {
    return Optional.ofNullable(pretrained).map(Pretrainer.Result::out);
  }

  /**
   * The online part: the first event after the cut (read by pretraining) and the rest of {@code
   * rest}.
   */
  EventSource online(EventSource rest) {
    BehaviorEvent first = pretrained == null ? null : pretrained.firstAfterUntil();
    return new EventSource() {
      private BehaviorEvent head = first;

      @Override
      public boolean hasNext() {
        return head != null || rest.hasNext();
      }

      @Override
      public BehaviorEvent next() {
        if (head != null) {
          BehaviorEvent e = head;
          head = null;
          return e;
        }
        return rest.next();
      }

      @Override
      public long total() {
        return -1;
      }

      @Override
      public long skipped() {
        return rest.skipped();
      }

      @Override
      public List<String> firstSkipReasons() {
        return rest.firstSkipReasons();
      }

      @Override
      public String description() {
        return rest.description() + " after " + Instant.ofEpochMilli(untilMs);
      }

      @Override
      public void close() {
        rest.close();
      }
    };
  }

  /** One line on what was pretrained. */
  String pretrainLine() {
    Pretrainer.Result r = pretrained;
    return String.format(
        Locale.ROOT,
        "warm start: pretrained on %,d events up to %s (%,d users, %,d samples, prequential AUC"
            + " %.4f) into %s",
        r.events(),
        Instant.ofEpochMilli(untilMs),
        r.users(),
        r.samples(),
        r.auc(),
        r.out().root());
  }

  /**
   * The report's warm-start settings: the cut, what was pretrained, and each warm trainer's gain
   * over its cold twin on the first online samples.
   */
  Map<String, String> reportEntries(List<VariantStats> variants) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("warm start", pretrained == null ? "no" : pretrainLine());
    for (String line : gainLines(variants)) {
      out.put("warm vs cold " + line.substring(0, line.indexOf(':')), line);
    }
    return out;
  }

  /** Per warm trainer: AUC of the first online samples, warm against cold. */
  List<String> gainLines(List<VariantStats> variants) {
    return variants.stream()
        .filter(v -> !v.name().endsWith(COLD_SUFFIX))
        .flatMap(
            warm ->
                variants.stream()
                    .filter(c -> c.name().equals(warm.name() + COLD_SUFFIX))
                    .map(
                        cold ->
                            String.format(
                                Locale.ROOT,
                                "%s: AUC of the first %,d online samples: warm %.4f, cold %.4f"
                                    + " (gain %+.4f); overall warm %.4f, cold %.4f",
                                warm.name(),
                                Math.min(warm.scored(), VariantStats.WINDOW),
                                warm.firstAuc(),
                                cold.firstAuc(),
                                warm.firstAuc() - cold.firstAuc(),
                                warm.overallAuc(),
                                cold.overallAuc())))
        .toList();
  }
}
