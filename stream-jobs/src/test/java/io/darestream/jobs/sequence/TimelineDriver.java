package io.darestream.jobs.sequence;

import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.model.TrainingSample;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.state.sequence.BehaviorSequence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Drives a {@link UserTimeline} over a time-ordered event stream without Flink: per-user state in
 * maps, event-time timers in one queue, the watermark at each event's time (the stream is in time
 * order), and every timer fired at the end as a final watermark would. Samples go to a consumer in
 * the order the job would emit them.
 */
final class TimelineDriver {
  private final UserTimeline timeline;
  private final Map<Long, MemoryState> users = new HashMap<>();
  private final TreeSet<long[]> timers =
      new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
  private long coldClicks;

  TimelineDriver(UserTimeline timeline) {
    this.timeline = timeline;
  }

  /** Feeds every event, then fires the remaining timers. */
  void run(Iterator<BehaviorEvent> events, Consumer<TrainingSample> samples) throws Exception {
    UserTimeline.Output out =
        new UserTimeline.Output() {
          @Override
          public void sample(TrainingSample sample) {
            samples.accept(sample);
          }

          @Override
          public void update(SequenceUpdate update) {}

          @Override
          public void coldClick(TrainingSample click) {
            coldClicks++;
          }
        };
    while (events.hasNext()) {
      BehaviorEvent e = events.next();
      fireTimers(e.getEventTimeMs(), out);
      MemoryState state = users.computeIfAbsent(e.getUserId(), u -> new MemoryState(u, timers));
      timeline.onEvent(new IngestedEvent(e, e.getEventTimeMs()), state, out);
    }
    fireTimers(Long.MAX_VALUE, out);
  }

  /** CLICK_ONLY behaviours that made no sample because their item was cold. */
  long coldClicks() {
    return coldClicks;
  }

  private void fireTimers(long watermark, UserTimeline.Output out) throws Exception {
    while (!timers.isEmpty() && timers.first()[0] <= watermark) {
      long[] t = timers.pollFirst();
      timeline.onTimer(t[1], t[0], users.get(t[1]), out);
    }
  }

  /** One user's timeline state in memory, with event-time timers. */
  private static final class MemoryState implements UserTimelineState {
    private final long userId;
    private final TreeSet<long[]> timers;
    private BehaviorSequence sequence;
    private final Map<Long, long[]> pending = new HashMap<>();

    MemoryState(long userId, TreeSet<long[]> timers) {
      this.userId = userId;
      this.timers = timers;
    }

    @Override
    public BehaviorSequence sequence() {
      return sequence;
    }

    @Override
    public void updateSequence(BehaviorSequence sequence) {
      this.sequence = sequence;
    }

    @Override
    public long[] pending(long item) {
      return pending.get(item);
    }

    @Override
    public void putPending(long item, long[] entries) {
      if (entries == null) {
        pending.remove(item);
      } else {
        pending.put(item, entries);
      }
    }

    @Override
    public List<Long> pendingItems() {
      return new ArrayList<>(pending.keySet());
    }

    @Override
    public void registerTimer(long timeMs) {
      timers.add(new long[] {timeMs, userId}); // a set: one timer per (time, user), as in Flink
    }
  }
}
