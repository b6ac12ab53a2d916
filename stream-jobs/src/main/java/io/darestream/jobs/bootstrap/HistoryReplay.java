package io.darestream.jobs.bootstrap;

import io.darestream.jobs.config.DareJobOptions;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.jobs.sequence.SequenceFunction;
import io.darestream.jobs.sequence.SequenceUpdate;
import io.darestream.jobs.sequence.UserTimeline;
import io.darestream.jobs.sequence.UserTimelineState;
import io.darestream.model.TrainingSample;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.state.sequence.BehaviorSequence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Drives the job's own {@link UserTimeline} over a time-ordered history without Flink: per-user
 * state in maps, event-time timers in one queue, the watermark at each event's time (the history is
 * in time order, so nothing is late), timers fired as the watermark passes them. Samples go to a
 * consumer in the order the job would emit them at parallelism 1.
 *
 * <p>What is left at the end (sequences, pending impressions and their timers, the sampler's
 * window) is exactly the sequence stage's state after that history: {@link #users()} hands it to
 * {@link SequenceSavepoint}. {@link #finish()} instead fires every remaining timer, as the job's
 * final watermark does at the end of a bounded input.
 */
public final class HistoryReplay {
  private final UserTimeline timeline;
  private final NegativeSampler sampler;
  private final Map<Long, MemoryState> users = new HashMap<>();
  private final TreeSet<long[]> timers =
      new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
  private final UserTimeline.Output out;
  private Consumer<TrainingSample> samples = s -> {};
  private long coldClicks;
  private long events;
  private long watermark = Long.MIN_VALUE;

  /** A replay through the job's own label join, configured as the job's sequence stage is. */
  public static HistoryReplay forJob(DareJobOptions options) {
    NegativeSampler sampler = SequenceFunction.newSampler(options.labels(), 0);
    UserTimeline timeline =
        new UserTimeline(
            SequenceFunction.limits(
                options.sequence(), options.ingest().policy().maxOutOfOrderMs()),
            options.labels(),
            sampler);
    return new HistoryReplay(timeline, sampler);
  }

  /** A replay through {@code timeline}, whose sampler is not exported. */
  public HistoryReplay(UserTimeline timeline) {
    this(timeline, null);
  }

  private HistoryReplay(UserTimeline timeline, NegativeSampler sampler) {
    this.timeline = timeline;
    this.sampler = sampler;
    this.out =
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
  }

  /** Where samples go from now on. */
  public HistoryReplay onSample(Consumer<TrainingSample> consumer) {
    this.samples = consumer;
    return this;
  }

  /**
   * Handles one event: first the timers its time passes, then the event itself.
   *
   * @throws IllegalArgumentException if the event is older than one already fed (not time order)
   */
  public void feed(IngestedEvent event) throws Exception {
    long t = event.event().getEventTimeMs();
    if (t < watermark) {
      throw new IllegalArgumentException(
          "history is not in time order: event at " + t + " after one at " + watermark);
    }
    watermark = t;
    fireTimers(t);
    long user = event.event().getUserId();
    MemoryState state = users.computeIfAbsent(user, u -> new MemoryState(u, timers));
    timeline.onEvent(event, state, out);
    events++;
  }

  /**
   * Feeds every event (stamped with its event time as its ingest time), then fires the remaining
   * timers: a whole bounded stream, as the job runs it at parallelism 1.
   */
  public void run(Iterator<BehaviorEvent> events, Consumer<TrainingSample> consumer)
      throws Exception {
    onSample(consumer);
    while (events.hasNext()) {
      BehaviorEvent e = events.next();
      feed(new IngestedEvent(e, e.getEventTimeMs()));
    }
    finish();
  }

  /** Fires every remaining timer, as a final watermark would. */
  public void finish() throws Exception {
    fireTimers(Long.MAX_VALUE);
  }

  private void fireTimers(long upTo) throws Exception {
    while (!timers.isEmpty() && timers.first()[0] <= upTo) {
      long[] t = timers.pollFirst();
      MemoryState state = users.get(t[1]);
      state.timers.remove(t[0]);
      timeline.onTimer(t[1], t[0], state, out);
    }
  }

  /** CLICK_ONLY behaviours that made no sample because their item was cold. */
  public long coldClicks() {
    return coldClicks;
  }

  /** Events fed. */
  public long events() {
    return events;
  }

  /**
   * The negative sampler's window now ({@code NegativeSampler#snapshot()}).
   *
   * @throws IllegalStateException if this replay was not made by {@link #forJob}
   */
  public long[] samplerWindow() {
    if (sampler == null) {
      throw new IllegalStateException("this replay's sampler belongs to its caller");
    }
    return sampler.snapshot();
  }

  /** Each user's state now, in no particular order. */
  public List<UserState> users() {
    List<UserState> out = new ArrayList<>(users.size());
    for (MemoryState s : users.values()) {
      if (s.sequence != null || !s.pending.isEmpty()) {
        out.add(
            new UserState(
                s.userId,
                s.sequence,
                new TreeMap<>(s.pending),
                s.timers.stream().mapToLong(Long::longValue).toArray()));
      }
    }
    return out;
  }

  /** One user's timeline state in memory, with event-time timers. */
  private static final class MemoryState implements UserTimelineState {
    private final long userId;
    private final TreeSet<long[]> allTimers;
    private final TreeSet<Long> timers = new TreeSet<>();
    private BehaviorSequence sequence;
    private final Map<Long, long[]> pending = new HashMap<>();

    MemoryState(long userId, TreeSet<long[]> allTimers) {
      this.userId = userId;
      this.allTimers = allTimers;
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
      // Sets: one timer per (time, user), as in Flink.
      allTimers.add(new long[] {timeMs, userId});
      timers.add(timeMs);
    }
  }
}
