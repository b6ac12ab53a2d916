package io.darestream.jobs.shard;

import io.darestream.jobs.serde.SerializerTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * What one trainer's training moved its dense parameters since its previous send, sent to the
 * {@link DenseAverager} once per averaging round: its own dense values minus the values it had at
 * that send, both shifted by every average it merged since ({@link SentDenseCopies}), so that only
 * training is in it, never an average. Every dense block, concatenated in the model's block order.
 * Never mutated after construction.
 *
 * @param subtask the trainer subtask that sent it
 * @param round the trainer's averaging round in this attempt, increasing, at least 1 (the trainer
 *     numbers them by its clock, in ms); round 0 is the dense model the averager publishes when it
 *     opens
 * @param values the progress, blocks in {@code DenseParameters.names()} order
 */
public record DenseProgress(int subtask, long round, float[] values) {
  public static final TypeInformation<DenseProgress> TYPE_INFO =
      new SerializerTypeInfo<>(DenseProgress.class, DenseProgressSerializer.INSTANCE);
}
