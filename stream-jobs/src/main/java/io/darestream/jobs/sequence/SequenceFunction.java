package io.darestream.jobs.sequence;

import io.darestream.jobs.config.LabelOptions;
import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.ingest.IngestedEvent;
import io.darestream.model.TrainingSample;
import io.darestream.model.sampling.NegativeSampler;
import io.darestream.state.sequence.AppendResult;
import io.darestream.state.sequence.BehaviorSequence;
import io.darestream.state.sequence.SequenceLimits;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by user: keeps the behaviour sequence in keyed state (RocksDB in the job) and emits
 * labelled training samples; the logic is in {@link UserTimeline}. The negative sampler's window
 * (per subtask, not per user) is operator state.
 *
 * <p>Side outputs: {@link #UPDATES}, one {@link SequenceUpdate} per behaviour; {@link
 * #COLD_CLICKS}, the user id of each CLICK_ONLY behaviour that made no sample (so that a caller can
 * count what honest labels cost exactly, across restarts, as it counts samples). Metrics: {@code
 * samples}, {@code samplesPerSecond}, {@code positives}, {@code coldClicks} (CLICK_ONLY behaviours
 * whose item was not warm yet: no sample), and {@code appended}, {@code duplicates}, {@code
 * tooLate}.
 */
public final class SequenceFunction
    extends KeyedProcessFunction<Long, IngestedEvent, TrainingSample>
    implements ResultTypeQueryable<TrainingSample>, CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SequenceFunction.class);

  /** Side output of what happened to each behaviour. */
  public static final OutputTag<SequenceUpdate> UPDATES =
      new OutputTag<>("sequence-updates", TypeInformation.of(SequenceUpdate.class));

  /** Side output of cold clicks: the user id of each click that made no sample. */
  public static final OutputTag<Long> COLD_CLICKS = new OutputTag<>("cold-clicks", Types.LONG);

  private final SequenceOptions sequenceOptions;
  private final LabelOptions labelOptions;
  private final long maxOutOfOrderMs;

  private transient ValueState<BehaviorSequence> sequence;
  private transient MapState<Long, long[]> pending;
  private transient UserTimeline timeline;
  // The sampler's window is operator state: a restore draws the negatives an uninterrupted run
  // would have drawn, instead of starting from an empty window.
  private transient NegativeSampler sampler;
  private transient ListState<long[]> samplerState;
  private transient List<long[]> restoredSampler;
  private transient Adapter adapter;
  private transient Counter samples;
  private transient Counter positives;
  private transient Counter coldClicks;
  private transient Map<AppendResult, Counter> appends;
  private transient SequenceCache cache;
  private transient KeyContext keys;

  /**
   * Lets the function address another user's keyed state, so that cached sequences of other users
   * can be written back (on eviction, before a checkpoint). {@link SequenceOperator} provides it.
   */
  interface KeyContext {
    Object currentKey();

    void setCurrentKey(Object key);
  }

  /**
   * @param maxOutOfOrderMs how far behind a user's newest behaviour an event may still be placed in
   *     order: the {@code EventPolicy}'s bound, which serving's store applies too
   */
  public SequenceFunction(
      SequenceOptions sequenceOptions, LabelOptions labelOptions, long maxOutOfOrderMs) {
    this.sequenceOptions = sequenceOptions;
    this.labelOptions = labelOptions;
    this.maxOutOfOrderMs = maxOutOfOrderMs;
  }

  @Override
  public TypeInformation<TrainingSample> getProducedType() {
    return TrainingSampleSerializer.TYPE_INFO;
  }

  @Override
  public void open(OpenContext openContext) {
    sequence = getRuntimeContext().getState(SequenceStateDescriptors.sequence(sequenceOptions));
    pending = getRuntimeContext().getMapState(SequenceStateDescriptors.pendingImpressions());
    sampler = newSampler(labelOptions, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    restoreSampler();
    timeline = new UserTimeline(limits(sequenceOptions, maxOutOfOrderMs), labelOptions, sampler);
    adapter = new Adapter();
    var metrics = getRuntimeContext().getMetricGroup();
    samples = metrics.counter("samples");
    metrics.meter("samplesPerSecond", new MeterView(samples));
    positives = metrics.counter("positives");
    coldClicks = metrics.counter("coldClicks");
    appends = new EnumMap<>(AppendResult.class);
    appends.put(AppendResult.APPENDED, metrics.counter("appended"));
    appends.put(AppendResult.DUPLICATE, metrics.counter("duplicates"));
    appends.put(AppendResult.TOO_LATE, metrics.counter("tooLate"));
  }

  /** The sequence limits the stage applies (pretraining applies the same). */
  public static SequenceLimits limits(SequenceOptions options, long maxOutOfOrderMs) {
    return SequenceLimits.builder()
        .optMaxLength(options.maxLength())
        .optDedupHorizonMs(options.dedupHorizon().toMillis())
        .optMaxOutOfOrderMs(maxOutOfOrderMs)
        .build();
  }

  /**
   * The negative sampler of subtask {@code subtask}: seeded per subtask so that parallel instances
   * draw different negatives. Pretraining draws as subtask 0.
   */
  public static NegativeSampler newSampler(LabelOptions labels, int subtask) {
    return new NegativeSampler(labels.samplerWindow(), labels.samplerSeed() * 31 + subtask);
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    // Runs before open(): keep what was restored until the sampler exists.
    samplerState =
        context.getOperatorStateStore().getListState(SequenceStateDescriptors.negativeSampler());
    restoredSampler = new ArrayList<>();
    if (context.isRestored()) {
      for (long[] window : samplerState.get()) {
        restoredSampler.add(window);
      }
    }
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    samplerState.update(List.of(sampler.snapshot()));
  }

  /**
   * Restores the sampler's window. After a rescale a subtask may get none (it starts empty) or
   * several (it takes the first); a window it cannot read is logged and skipped, never fatal: the
   * sampler then starts empty, as before checkpoints held it.
   */
  private void restoreSampler() {
    if (restoredSampler == null || restoredSampler.isEmpty()) {
      return;
    }
    try {
      sampler.restore(restoredSampler.get(0));
    } catch (IllegalArgumentException e) {
      LOG.warn("Negative sampler starts with an empty window: its checkpointed one is unusable", e);
    }
    restoredSampler = null;
  }

  /**
   * Keeps decoded sequences of active users in memory and writes them back to keyed state only on
   * eviction and in {@link #flushCache()}, which the caller must run before every checkpoint.
   * Without this call (a plain {@code KeyedProcessOperator}) every change is written through.
   */
  void enableCache(KeyContext keyContext) {
    if (sequenceOptions.cacheUsers() > 0) {
      keys = keyContext;
      cache = new SequenceCache(sequenceOptions.cacheUsers(), sequenceOptions.ttl().toMillis());
    }
  }

  /** Writes every changed cached sequence to keyed state; the state is then complete. */
  void flushCache() throws Exception {
    if (cache != null) {
      writeBack(cache.dirty());
    }
  }

  private void writeBack(List<SequenceCache.Entry> entries) throws Exception {
    if (entries.isEmpty()) {
      return;
    }
    Object current = keys.currentKey();
    for (SequenceCache.Entry e : entries) {
      if (e.dirty) {
        keys.setCurrentKey(e.user);
        sequence.update(e.sequence);
        e.dirty = false;
      }
    }
    if (current != null) {
      keys.setCurrentKey(current);
    }
  }

  @Override
  public void processElement(IngestedEvent event, Context ctx, Collector<TrainingSample> out)
      throws Exception {
    adapter.bind(ctx.timerService(), ctx, out);
    timeline.onEvent(event, adapter, adapter);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrainingSample> out)
      throws Exception {
    adapter.bind(ctx.timerService(), ctx, out);
    timeline.onTimer(ctx.getCurrentKey(), timestamp, adapter, adapter);
  }

  /** Keyed state and outputs of the current key, seen through the timeline's interfaces. */
  private final class Adapter implements UserTimelineState, UserTimeline.Output {
    private TimerService timers;
    private Context context;
    private Collector<TrainingSample> collector;

    void bind(TimerService timers, Context context, Collector<TrainingSample> collector) {
      this.timers = timers;
      this.context = context;
      this.collector = collector;
    }

    @Override
    public BehaviorSequence sequence() throws Exception {
      if (cache == null) {
        return sequence.value();
      }
      long user = context.getCurrentKey();
      long now = timers.currentProcessingTime();
      SequenceCache.Entry cached = cache.get(user, now);
      if (cached != null) {
        return cached.sequence;
      }
      BehaviorSequence value = sequence.value();
      if (value != null) {
        writeBack(cache.putClean(user, value, now));
      }
      return value;
    }

    @Override
    public void updateSequence(BehaviorSequence value) throws Exception {
      if (cache == null) {
        sequence.update(value);
      } else {
        writeBack(cache.putDirty(context.getCurrentKey(), value, timers.currentProcessingTime()));
      }
    }

    @Override
    public long[] pending(long item) throws Exception {
      return pending.get(item);
    }

    @Override
    public void putPending(long item, long[] entries) throws Exception {
      if (entries == null) {
        pending.remove(item);
      } else {
        pending.put(item, entries);
      }
    }

    @Override
    public List<Long> pendingItems() throws Exception {
      List<Long> items = new ArrayList<>();
      for (Long item : pending.keys()) {
        items.add(item);
      }
      return items;
    }

    @Override
    public void registerTimer(long timeMs) {
      timers.registerEventTimeTimer(timeMs);
    }

    @Override
    public void sample(TrainingSample sample) {
      samples.inc();
      if (sample.label() == 1) {
        positives.inc();
      }
      collector.collect(sample);
    }

    @Override
    public void coldClick(TrainingSample click) {
      coldClicks.inc();
      context.output(COLD_CLICKS, click.userId());
    }

    @Override
    public void update(SequenceUpdate update) {
      appends.get(update.result()).inc();
      context.output(UPDATES, update);
    }
  }
}
