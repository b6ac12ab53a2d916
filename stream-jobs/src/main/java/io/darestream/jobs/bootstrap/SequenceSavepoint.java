package io.darestream.jobs.bootstrap;

import io.darestream.jobs.config.SequenceOptions;
import io.darestream.jobs.topology.Uids;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Writes the sequence stage's state after a history as a Flink savepoint, with the State Processor
 * API: keyed state (sequences, pending impressions, timers) and the negative sampler's window under
 * the job's own operator uid ({@link Uids#SEQUENCE}). {@code flink run -s DIR} (or {@code train
 * --from-savepoint}) then starts the job with every user's sequence in place; the other operators
 * have no state in it and start fresh (the trainer takes the pretrained model from its snapshot,
 * {@code dare.trainer.initial-snapshot}).
 *
 * <p>The users travel to the writer as the elements of a bounded source ({@code fromData}), so they
 * are held in memory and shipped with the job graph: fine for histories of up to some hundred
 * thousand users; the full Taobao file (about a million) would want a file-backed source.
 *
 * <p>The savepoint is canonical (backend independent): it is written with the heap backend and
 * restored into the job's RocksDB. Its max parallelism is the job's default for {@code
 * parallelism}, which a job that does not set its own adopts.
 */
public final class SequenceSavepoint {
  private SequenceSavepoint() {}

  /**
   * Writes the savepoint into {@code dir} (which must not exist yet) and waits for it.
   *
   * @param jobParallelism the parallelism the job will run the sequence stage at
   * @throws IllegalArgumentException if {@code dir} exists or there is no user
   */
  public static void write(
      Path dir,
      SequenceOptions options,
      List<UserState> users,
      long[] samplerWindow,
      int jobParallelism)
      throws Exception {
    Objects.requireNonNull(samplerWindow, "sampler window");
    if (users.isEmpty()) {
      throw new IllegalArgumentException("no user state to write: the history made no sequence");
    }
    if (Files.exists(dir)) {
      throw new IllegalArgumentException("savepoint directory " + dir + " exists already");
    }
    Configuration config = new Configuration();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, config);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    // Without object reuse the writer's chained operators copy their records (the subtask states
    // and operator states, typed as generic Kryo classes) and the copies come out empty: Flink
    // 2.2.1 with state-processor-api 2.2.0 wrote a savepoint whose _metadata (83-90 bytes) held
    // the operator with parallelism 0 and no subtask state, with no error, while the state files
    // were written beside it. With reuse the records are handed on as they are.
    env.getConfig().enableObjectReuse();
    StateBootstrapTransformation<UserState> sequences =
        OperatorTransformation.bootstrapWith(env.fromData(users, UserStateSerializer.TYPE_INFO))
            .keyBy(new UserKey(), Types.LONG)
            .transform(new SequenceStateBootstrap(options, samplerWindow));
    SavepointWriter.newSavepoint(
            env,
            new HashMapStateBackend(),
            KeyGroupRangeAssignment.computeDefaultMaxParallelism(jobParallelism))
        .withOperator(OperatorIdentifier.forUid(Uids.SEQUENCE), sequences)
        .write(dir.toUri().toString());
    env.execute("dare-stream pretrain: savepoint " + dir.getFileName());
  }

  /** The job's key: the user id (as {@code DareTrainJob}'s keyBy, with the same key type). */
  private static final class UserKey implements KeySelector<UserState, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long getKey(UserState user) {
      return user.userId();
    }
  }
}
