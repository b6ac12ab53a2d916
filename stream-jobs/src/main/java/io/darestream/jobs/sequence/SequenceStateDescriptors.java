package io.darestream.jobs.sequence;

import io.darestream.jobs.config.SequenceOptions;
import io.darestream.state.sequence.BehaviorSequence;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * Names and serializers of the sequence stage's keyed state. The names are part of the checkpoint
 * format: renaming one loses that state on restore.
 */
public final class SequenceStateDescriptors {
  /** State name of the user's behaviour sequence. */
  public static final String SEQUENCE = "behavior-sequence";

  /** State name of the impressions waiting for a click, by item id. */
  public static final String PENDING_IMPRESSIONS = "pending-impressions";

  /** Operator-state name of the negative sampler's window, one entry per subtask. */
  public static final String NEGATIVE_SAMPLER = "negative-sampler";

  private SequenceStateDescriptors() {}

  /** The negative sampler's window ({@code NegativeSampler#snapshot()}), as operator list state. */
  public static ListStateDescriptor<long[]> negativeSampler() {
    return new ListStateDescriptor<>(
        NEGATIVE_SAMPLER, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
  }

  /** The sequence, with TTL: a user silent for the TTL is dropped (RocksDB compaction filter). */
  public static ValueStateDescriptor<BehaviorSequence> sequence(SequenceOptions options) {
    ValueStateDescriptor<BehaviorSequence> d =
        new ValueStateDescriptor<>(SEQUENCE, BehaviorSequenceSerializer.INSTANCE);
    d.enableTimeToLive(
        StateTtlConfig.newBuilder(options.ttl())
            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
            .cleanupInRocksdbCompactFilter(1000)
            .build());
    return d;
  }

  /** Pending impressions; no TTL, their timers remove them. */
  public static MapStateDescriptor<Long, long[]> pendingImpressions() {
    return new MapStateDescriptor<>(
        PENDING_IMPRESSIONS, Types.LONG, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO);
  }
}
