package io.darestream.jobs.shard;

import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.sync.DeltaOrder;
import io.darestream.model.sync.ModelDeltas;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a sharded trainer's replica of the model current by tailing {@code model-deltas} from its
 * beginning on a thread of its own, the way serving does: embedding rows are written into the
 * replica as they arrive (weights only, under the model's write lock); dense averages are assembled
 * per (epoch, version) ({@link DenseAssembly}) and handed to the trainer's task thread ({@link
 * #takeDenseAverage}), which merges them with its own progress. Records are ordered as serving
 * orders them ({@link DeltaOrder}): a newer epoch supersedes, and a record of a superseded epoch or
 * older than what its writer already put in its table is ignored. Measures replica staleness: the
 * time from an owner's publish to this replica applying the row.
 *
 * <p>A feed that dies (broker gone, unexpected error) is reported by {@link #failure}, which the
 * trainer rethrows to fail the task loudly. Malformed records are counted and skipped.
 */
final class ReplicaFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaFeed.class);
  private static final int LAG_SAMPLES = 8192;

  private final String topic;
  private final String modelId;
  private final DareModel replica;
  private final long epoch;
  private final Map<Integer, Long> startOffsets;
  private final int trainer;
  private final OwnWriteLedger ownWrites;
  private final Map<String, Integer> tableIndex;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicReference<DenseAverage> latestDense = new AtomicReference<>();
  private final long[] lags = new long[LAG_SAMPLES];
  private volatile boolean running = true;
  private long lagCount;
  private volatile long rowsApplied;
  private volatile long malformed;
  private volatile long ignored;
  // Epochs and per-(table, writer) versions, as serving orders them (the feed thread only).
  private final DeltaOrder order;
  // Dense blocks of the averages being assembled (the feed thread only).
  private final DenseAssembly denseAssembly;

  /** A complete dense average as published by the averager. */
  record DenseAverage(long epoch, long version, Map<String, float[]> blocks) {}

  /**
   * @param epoch the trainer's epoch: only its owners' records acknowledge its windows
   * @param trainer the trainer's subtask index (its entry in the owners' acknowledgements)
   * @param ownWrites the trainer's unacknowledged row changes, on which owners' rows are rebased
   * @param replicaIsCurrent the replica already holds the model this epoch starts from (the stage's
   *     initial snapshot, or the snapshot set of the restored checkpoint), so every record of an
   *     earlier epoch (what the snapshot's job, an earlier run or a failed attempt published) is
   *     older than it and ignored: applied, it would move rows back until this epoch's owners
   *     rewrite them. Otherwise the replica starts empty and takes every epoch in order.
   * @param startOffsets where to start reading, by partition; the beginning for the others
   */
  ReplicaFeed(
      String bootstrapServers,
      String topic,
      String modelId,
      DareModel replica,
      String name,
      long epoch,
      int trainer,
      OwnWriteLedger ownWrites,
      boolean replicaIsCurrent,
      Map<Integer, Long> startOffsets) {
    this.topic = topic;
    this.startOffsets = Map.copyOf(startOffsets);
    this.modelId = modelId;
    this.replica = replica;
    this.epoch = epoch;
    this.trainer = trainer;
    this.ownWrites = ownWrites;
    this.tableIndex = new HashMap<>();
    List<EmbeddingTable> tables = replica.tables();
    for (int t = 0; t < tables.size(); t++) {
      tableIndex.put(tables.get(t).name(), t);
    }
    Map<String, Integer> denseSizes = new HashMap<>();
    replica.dense().names().forEach(n -> denseSizes.put(n, replica.dense().block(n).size()));
    this.denseAssembly = new DenseAssembly(denseSizes);
    // From the topic's beginning: nothing loaded, every epoch newer than none; or, from a replica
    // that is current, only this epoch's records and newer.
    this.order = new DeltaOrder(modelId, replicaIsCurrent ? epoch : Long.MIN_VALUE, Map.of());
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    this.consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    try {
      List<TopicPartition> partitions = partitions();
      consumer.assign(partitions);
      List<TopicPartition> fromBeginning = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        Long offset = startOffsets.get(tp.partition());
        if (offset != null) {
          consumer.seek(tp, offset);
        } else {
          fromBeginning.add(tp);
        }
      }
      consumer.seekToBeginning(fromBeginning);
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
          handle(r.value());
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      if (running) {
        failure.compareAndSet(null, e);
      }
    } catch (Throwable t) {
      LOG.error("replica feed of {} died", topic, t);
      failure.compareAndSet(null, t);
    } finally {
      consumer.close();
    }
  }

  private List<TopicPartition> partitions() {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
      if (infos != null && !infos.isEmpty()) {
        List<TopicPartition> out = new ArrayList<>();
        infos.forEach(i -> out.add(new TopicPartition(topic, i.partition())));
        return out;
      }
      if (System.currentTimeMillis() > deadline || !running) {
        throw new IllegalStateException("topic " + topic + " has no partitions after 60 s");
      }
    }
  }

  // Package-private: ReplicaFeedOrderTest feeds records without a broker.
  void handle(byte[] value) {
    ModelDelta d;
    try {
      d = Codecs.MODEL_DELTA.decode(value);
    } catch (RuntimeException e) {
      malformed++;
      return;
    }
    DeltaOrder.Verdict verdict = order.admit(d);
    if (verdict == DeltaOrder.Verdict.OTHER_MODEL) {
      return;
    }
    if (verdict != DeltaOrder.Verdict.APPLY) {
      // A superseded epoch (a failed attempt's records read after its successor's) or a writer's
      // older record: applying it would move rows back.
      ignored++;
      return;
    }
    String table = d.getTable();
    if (table.startsWith(ModelDeltas.DENSE_PREFIX)) {
      if (collectDense(d)) {
        order.applied(d);
      }
      return;
    }
    Integer t = tableIndex.get(table);
    if (t == null) {
      malformed++;
      return;
    }
    // Rows of another epoch, or of a writer that is not one of this epoch's owners, include none
    // of this attempt's windows: every own change is kept on top of them.
    int owner = d.getWriter() - 1;
    long acknowledged =
        d.getEpoch() == epoch
                && ownWrites.isOwner(owner)
                && trainer < d.getAcknowledgedWindows().size()
            ? d.getAcknowledgedWindows().get(trainer)
            : 0L;
    try {
      rowsApplied +=
          replica.exclusive(
              () -> {
                int n =
                    ModelDeltas.apply(
                        replica, d, (id, row) -> ownWrites.rebase(t, id, acknowledged, row));
                if (acknowledged > 0) {
                  ownWrites.acknowledge(t, owner, acknowledged);
                }
                return n;
              });
    } catch (IllegalArgumentException e) {
      malformed++;
      return;
    }
    order.applied(d);
    recordLag(System.currentTimeMillis() - d.getPublishTimeMs());
  }

  /** Collects one dense block of an average; false if the record is malformed. */
  private boolean collectDense(ModelDelta d) {
    DenseAssembly.Complete done;
    try {
      DenseBlock block = ModelDeltas.denseBlock(d);
      done = denseAssembly.add(d.getEpoch(), d.getVersion(), block.name(), block.values());
    } catch (IllegalArgumentException e) {
      malformed++;
      return false;
    }
    if (done != null) {
      latestDense.set(new DenseAverage(done.epoch(), done.version(), done.blocks()));
    }
    return true;
  }

  private synchronized void recordLag(long ms) {
    lags[(int) (lagCount++ % LAG_SAMPLES)] = ms;
  }

  /**
   * The given percentile (0..100) of the replica staleness over the last rows applied (publish to
   * applied, ms), or -1 before any.
   */
  synchronized long stalenessPercentile(double percentile) {
    int n = (int) Math.min(lagCount, LAG_SAMPLES);
    if (n == 0) {
      return -1;
    }
    long[] sorted = Arrays.copyOf(lags, n);
    Arrays.sort(sorted);
    int i = (int) Math.min(n - 1, Math.max(0, Math.ceil(percentile / 100.0 * n) - 1));
    return sorted[i];
  }

  /** The newest complete dense average not taken yet, or null. */
  DenseAverage takeDenseAverage() {
    return latestDense.getAndSet(null);
  }

  long rowsApplied() {
    return rowsApplied;
  }

  long malformed() {
    return malformed;
  }

  /** Records not applied because of their epoch or version ({@link DeltaOrder}). */
  long ignored() {
    return ignored;
  }

  /** The error that stopped the feed, or null while it runs. */
  Throwable failure() {
    return failure.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(30_000);
  }
}
