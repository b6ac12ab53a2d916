package io.darestream.jobs.sequence;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.LabelOptions.LabelMode;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.model.TrainingSample;
import io.darestream.model.sampling.ClickOnlyLabels;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import io.darestream.state.sequence.AppendResult;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.EventIds;
import io.darestream.state.sequence.SequenceLimits;
import java.util.List;

/**
 * One user's behaviour sequence and label join, independent of Flink: appends behaviours and turns
 * events into labelled {@link TrainingSample}s.
 *
 * <ul>
 *   <li>Sequence: every behaviour except impressions is appended (capped, time-ordered,
 *       deduplicated by event id). Impressions are what was shown, not what the user did, so they
 *       never enter the history.
 *   <li>IMPRESSION mode: an impression waits up to the attribution window (event time) for a click
 *       on the same item with the same request id, or on the same item without a request id. When
 *       the window closes (event-time timer) it becomes a sample: positive if a click was
 *       attributed, else negative. A click processed before its impression (out of order, e.g. from
 *       another producer) waits one window for it. Both labels are released at the same delay on
 *       purpose: emitting positives at once and negatives a window later would feed the trainer
 *       all-positive and all-negative stretches, biasing the model and making prequential AUC
 *       meaningless (seen: AUC 0.15 on a short stream whose negatives all arrived at its end). The
 *       attribution window is therefore also the label delay.
 *   <li>CLICK_ONLY mode: every behaviour is a positive and gets N negatives drawn by item frequency
 *       ({@link ClickOnlyLabels}); a behaviour whose item is not yet warm (seen fewer than {@code
 *       dare.label.warm-min-count} times in the sampler's window), or for which no negatives of its
 *       novelty are found, makes no sample and is counted as a cold click, so that novelty cannot
 *       give positives away. Negatives exclude the clicked item, not the history (unless {@code
 *       dare.label.negatives-exclude-history}), so that a repeated item cannot either.
 * </ul>
 *
 * <p>No leakage: a sample's history is the sequence <b>strictly before</b> the target's event time
 * ({@link BehaviorSequence#historyAsOf}), however much was appended since.
 */
public final class UserTimeline {
  /** Receives what the timeline produces. */
  public interface Output {
    void sample(TrainingSample sample);

    void update(SequenceUpdate update);

    /** A CLICK_ONLY behaviour whose item was cold: appended, but no sample (see the class doc). */
    void coldClick(TrainingSample click);
  }

  private static final BehaviorSequence.History NO_HISTORY =
      new BehaviorSequence.History(new long[0], new long[0]);

  private final SequenceLimits limits;
  private final LabelMode mode;
  private final long windowMs;
  private final ClickOnlyLabels clickLabels;

  /**
   * @param sampler the CLICK_ONLY negatives' window; the timeline records every behaviour in it
   */
  public UserTimeline(SequenceLimits limits, LabelOptions labels, NegativeSampler sampler) {
    this.limits = limits;
    this.mode = labels.mode();
    this.windowMs = labels.attributionWindow().toMillis();
    this.clickLabels =
        new ClickOnlyLabels(
            sampler,
            labels.negativeRatio(),
            labels.warmMinCount(),
            labels.negativesExcludeHistory());
  }

  /** Handles one accepted event of the state's user. */
  public void onEvent(IngestedEvent in, UserTimelineState state, Output out) throws Exception {
    BehaviorEvent e = in.event();
    if (e.getType() == BehaviorType.IMPRESSION) {
      if (mode == LabelMode.IMPRESSION) {
        addPending(e, in.ingestTimeMs(), state);
      }
      return;
    }
    BehaviorSequence seq = state.sequence();
    if (seq == null) {
      seq = BehaviorSequence.create(limits);
    } else if (!seq.limits().equals(limits)) {
      seq.setLimits(limits); // restarted with another L_max or dedup window
    }
    long t = e.getEventTimeMs();
    long eventHash = EventIds.hash64(e.getEventId());
    AppendResult result = seq.append(eventHash, e.getItemId(), e.getCategoryId(), t, e.getType());
    out.update(new SequenceUpdate(e.getUserId(), e.getEventId(), result, seq.size()));
    if (result != AppendResult.APPENDED) {
      return; // a duplicate must not label anything twice; a too-late event cannot be placed
    }
    state.updateSequence(seq);
    if (mode == LabelMode.IMPRESSION) {
      if (e.getType() == BehaviorType.CLICK) {
        attributeClick(e, eventHash, state);
      }
    } else {
      TrainingSample positive =
          sample(
              e.getUserId(),
              e.getItemId(),
              e.getCategoryId(),
              1,
              t,
              in.ingestTimeMs(),
              seq.historyAsOf(t, limits.maxLength()));
      List<TrainingSample> samples = clickLabels.label(positive);
      if (samples.isEmpty()) {
        out.coldClick(positive);
      }
      samples.forEach(out::sample);
    }
  }

  /** Turns impressions whose window closed by {@code timestampMs} into labelled samples. */
  public void onTimer(long userId, long timestampMs, UserTimelineState state, Output out)
      throws Exception {
    BehaviorSequence seq = state.sequence();
    for (long item : state.pendingItems()) {
      long[] entries = state.pending(item);
      int i = 0;
      while (i < PendingImpressions.count(entries)) {
        long time = PendingImpressions.get(entries, i, PendingImpressions.TIME);
        if (time + windowMs > timestampMs) {
          i++;
        } else if (PendingImpressions.isEarlyClick(entries, i)) {
          // No impression came for it within the window: nothing to label.
          entries = PendingImpressions.remove(entries, i);
        } else {
          out.sample(
              sample(
                  userId,
                  item,
                  PendingImpressions.get(entries, i, PendingImpressions.CATEGORY),
                  (int) PendingImpressions.get(entries, i, PendingImpressions.CLICKED),
                  time,
                  PendingImpressions.get(entries, i, PendingImpressions.INGEST_TIME),
                  seq == null ? NO_HISTORY : seq.historyAsOf(time, limits.maxLength())));
          entries = PendingImpressions.remove(entries, i);
        }
      }
      state.putPending(item, entries);
    }
  }

  private void addPending(BehaviorEvent e, long ingestTimeMs, UserTimelineState state)
      throws Exception {
    long eventHash = EventIds.hash64(e.getEventId());
    long[] entries = state.pending(e.getItemId());
    if (PendingImpressions.containsEvent(entries, eventHash)) {
      return; // replayed impression
    }
    long t = e.getEventTimeMs();
    long request = requestHash(e);
    long clicked = PendingImpressions.NOT_CLICKED;
    int early = matchingEarlyClick(entries, request, t);
    if (early >= 0) {
      entries = PendingImpressions.remove(entries, early);
      clicked = PendingImpressions.IS_CLICKED;
    }
    state.putPending(
        e.getItemId(),
        PendingImpressions.add(
            entries, eventHash, request, e.getCategoryId(), t, ingestTimeMs, clicked));
    state.registerTimer(t + windowMs);
  }

  private void attributeClick(BehaviorEvent click, long eventHash, UserTimelineState state)
      throws Exception {
    long[] entries = state.pending(click.getItemId());
    long t = click.getEventTimeMs();
    int match = matchingImpression(entries, requestHash(click), t);
    if (match >= 0) {
      // The label is released with the impression's timer (see the class comment).
      state.putPending(click.getItemId(), PendingImpressions.markClicked(entries, match));
    } else {
      // Its impression may still come (out of order): keep the click one window for it.
      state.putPending(
          click.getItemId(),
          PendingImpressions.add(
              entries,
              eventHash,
              requestHash(click),
              click.getCategoryId(),
              t,
              0L,
              PendingImpressions.EARLY_CLICK));
      state.registerTimer(t + windowMs);
    }
  }

  /**
   * The impression a click at {@code clickTime} belongs to: the one with its request id if there is
   * one, else the oldest of the item; only within the attribution window and only impressions not
   * clicked yet (a second click labels nothing twice; early clicks are not impressions).
   */
  private int matchingImpression(long[] entries, long requestHash, long clickTime) {
    return match(
        entries, PendingImpressions.NOT_CLICKED, clickTime - windowMs, clickTime, requestHash);
  }

  /**
   * The early click an impression at {@code impressionTime} gets: the same rule from the other
   * side, among the clicks within the impression's attribution window.
   */
  private int matchingEarlyClick(long[] entries, long requestHash, long impressionTime) {
    return match(
        entries,
        PendingImpressions.EARLY_CLICK,
        impressionTime,
        impressionTime + windowMs,
        requestHash);
  }

  /**
   * Among the entries in state {@code wanted} with a time in {@code [from, to]}: the one with
   * request id {@code requestHash} if there is one, else the oldest; -1 if none.
   */
  private static int match(long[] entries, long wanted, long from, long to, long requestHash) {
    int oldest = -1;
    for (int i = 0; i < PendingImpressions.count(entries); i++) {
      long time = PendingImpressions.get(entries, i, PendingImpressions.TIME);
      if (PendingImpressions.get(entries, i, PendingImpressions.CLICKED) != wanted
          || time < from
          || time > to) {
        continue;
      }
      long request = PendingImpressions.get(entries, i, PendingImpressions.REQUEST_ID);
      if (requestHash != 0 && request == requestHash) {
        return i;
      }
      if (oldest < 0 || time < PendingImpressions.get(entries, oldest, PendingImpressions.TIME)) {
        oldest = i;
      }
    }
    return oldest;
  }

  private static long requestHash(BehaviorEvent e) {
    String id = e.getRequestId();
    return id == null || id.isEmpty() ? 0 : EventIds.hash64(id);
  }

  private static TrainingSample sample(
      long user,
      long item,
      long category,
      int label,
      long timeMs,
      long ingestTimeMs,
      BehaviorSequence.History history) {
    return new TrainingSample(
        user, item, category, label, timeMs, ingestTimeMs, history.items(), history.categories());
  }
}
