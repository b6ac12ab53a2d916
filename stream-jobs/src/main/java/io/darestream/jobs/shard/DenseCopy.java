package io.darestream.jobs.shard;

import io.darestream.jobs.serde.SerializerTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One trainer's dense parameters at one averaging round, sent to the {@link DenseAverager}: every
 * dense block, concatenated in the model's block order. Never mutated after construction.
 *
 * @param subtask the trainer subtask that sent it
 * @param round the trainer's averaging round in this attempt (1, 2, ...)
 * @param values the dense parameters, blocks in {@code DenseParameters.names()} order
 */
public record DenseCopy(int subtask, long round, float[] values) {
  public static final TypeInformation<DenseCopy> TYPE_INFO =
      new SerializerTypeInfo<>(DenseCopy.class, DenseCopySerializer.INSTANCE);
}
