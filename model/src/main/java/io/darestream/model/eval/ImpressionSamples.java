package io.darestream.model.eval;

import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Impression-labelled samples of an event stream, as the job's IMPRESSION label mode makes them: an
 * impression is a sample of its item, labelled 1 when a click with its request id follows (the
 * generator's clicks always carry it), with the user's clicks before the impression as history,
 * newest first, at most {@code maxHistory}; impressions never enter a history. No negatives are
 * sampled: the label is what the user did with what was shown, so an item's click rate (its
 * quality, on the generator) is something the model can and must learn, unlike in click-only
 * samples where frequency-drawn negatives cancel whatever an item's frequency says.
 *
 * <p>{@link #split} is the offline protocol on such samples: by event time, the first 80 % train,
 * the next 10 % validation, the last 10 % test (every user's impressions are spread over the whole
 * span, so each part has them all).
 */
public final class ImpressionSamples {
  /** Share of the samples, oldest first, that train in {@link #split}. */
  public static final double TRAIN_SHARE = 0.8;

  /** Share of the samples after the training ones that validate; the rest test. */
  public static final double VALIDATION_SHARE = 0.1;

  private ImpressionSamples() {}

  /** The samples of {@code events}, in event-time order (ties by user, then by stream order). */
  public static List<TrainingSample> inTimeOrder(Iterator<BehaviorEvent> events, int maxHistory) {
    if (maxHistory < 1) {
      throw new IllegalArgumentException("maxHistory must be >= 1, got " + maxHistory);
    }
    Map<Long, List<BehaviorEvent>> byUser = new LinkedHashMap<>();
    Set<String> clickedRequests = new HashSet<>();
    while (events.hasNext()) {
      BehaviorEvent e = events.next();
      byUser.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(e);
      if (e.getType() == BehaviorType.CLICK && e.getRequestId() != null) {
        clickedRequests.add(e.getRequestId());
      }
    }
    List<TrainingSample> out = new ArrayList<>();
    for (List<BehaviorEvent> userEvents : byUser.values()) {
      userEvents.sort(Comparator.comparingLong(BehaviorEvent::getEventTimeMs));
      addUser(userEvents, clickedRequests, maxHistory, out);
    }
    out.sort(
        Comparator.comparingLong(TrainingSample::eventTimeMs)
            .thenComparingLong(TrainingSample::userId));
    return out;
  }

  private static void addUser(
      List<BehaviorEvent> events, Set<String> clicked, int maxHistory, List<TrainingSample> out) {
    long[] items = new long[events.size()];
    long[] categories = new long[events.size()];
    int clicks = 0;
    for (BehaviorEvent e : events) {
      if (e.getType() == BehaviorType.IMPRESSION) {
        int label = e.getRequestId() != null && clicked.contains(e.getRequestId()) ? 1 : 0;
        out.add(
            new TrainingSample(
                e.getUserId(),
                e.getItemId(),
                e.getCategoryId(),
                label,
                e.getEventTimeMs(),
                e.getEventTimeMs(),
                Sequences.historyBefore(items, clicks, maxHistory),
                Sequences.historyBefore(categories, clicks, maxHistory)));
      } else if (e.getType() == BehaviorType.CLICK) {
        items[clicks] = e.getItemId();
        categories[clicks] = e.getCategoryId();
        clicks++;
      }
    }
  }

  /** The offline split of {@code inTimeOrder}: 80 % train, 10 % validation, 10 % test. */
  public static ProtocolSplit split(List<TrainingSample> inTimeOrder) {
    int n = inTimeOrder.size();
    int train = (int) Math.round(n * TRAIN_SHARE);
    int validation = (int) Math.round(n * (TRAIN_SHARE + VALIDATION_SHARE));
    if (train == 0 || validation == train || validation == n) {
      throw new IllegalArgumentException(
          n + " impression samples are too few for a train, validation and test part");
    }
    long users = inTimeOrder.stream().mapToLong(TrainingSample::userId).distinct().count();
    return new ProtocolSplit(
        List.copyOf(inTimeOrder.subList(0, train)),
        List.copyOf(inTimeOrder.subList(train, validation)),
        List.copyOf(inTimeOrder.subList(validation, n)),
        (int) users);
  }
}
