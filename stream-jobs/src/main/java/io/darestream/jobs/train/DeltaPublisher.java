package io.darestream.jobs.train;

import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.avro.PartitionOffset;
import io.darestream.schemas.avro.SnapshotAnnouncement;
import io.darestream.schemas.serde.Codecs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Publishes model deltas and snapshot announcements with its own idempotent Kafka producer, so that
 * the trainer knows the offsets its deltas landed at: a snapshot's manifest records them and
 * serving tails {@code model-deltas} from there.
 *
 * <p>Delivery is at least once; that is enough because delta rows carry full values stamped with
 * (epoch, version). A failed send is rethrown on the next call, failing the task so that Flink
 * restores the last checkpoint (and the trainer starts a new epoch).
 */
public final class DeltaPublisher implements AutoCloseable {
  private final Producer<byte[], byte[]> producer;
  private final String deltasTopic;
  private final String snapshotsTopic;
  private final Map<Integer, Long> nextDeltaOffsets = new TreeMap<>();
  private final AtomicReference<Exception> failure = new AtomicReference<>();
  private long recordsSent;
  private long bytesSent;

  public DeltaPublisher(String bootstrapServers, String deltasTopic, String snapshotsTopic) {
    this(createProducer(bootstrapServers), deltasTopic, snapshotsTopic);
  }

  DeltaPublisher(Producer<byte[], byte[]> producer, String deltasTopic, String snapshotsTopic) {
    this.producer = producer;
    this.deltasTopic = deltasTopic;
    this.snapshotsTopic = snapshotsTopic;
  }

  private static Producer<byte[], byte[]> createProducer(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "dare-trainer-deltas");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Sends delta records (asynchronously); keyed by model id and table. */
  public void publish(List<ModelDelta> deltas) {
    rethrowFailure();
    for (ModelDelta d : deltas) {
      byte[] key = (d.getModelId() + "/" + d.getTable()).getBytes(StandardCharsets.UTF_8);
      byte[] value = Codecs.MODEL_DELTA.encode(d);
      bytesSent += value.length;
      recordsSent++;
      producer.send(
          new ProducerRecord<>(deltasTopic, key, value),
          (meta, error) -> {
            if (error != null) {
              failure.compareAndSet(null, error);
            } else {
              synchronized (nextDeltaOffsets) {
                nextDeltaOffsets.merge(meta.partition(), meta.offset() + 1, Math::max);
              }
            }
          });
    }
  }

  /**
   * Waits until everything sent so far is acknowledged and returns, per partition of the deltas
   * topic, the offset after the last acknowledged delta.
   */
  public List<PartitionOffset> flushAndGetOffsets() {
    producer.flush();
    rethrowFailure();
    List<PartitionOffset> out = new ArrayList<>();
    synchronized (nextDeltaOffsets) {
      nextDeltaOffsets.forEach(
          (partition, offset) -> out.add(new PartitionOffset(deltasTopic, partition, offset)));
    }
    return out;
  }

  /** Announces a published snapshot and waits for the acknowledgement. */
  public void announce(SnapshotAnnouncement announcement) {
    rethrowFailure();
    byte[] key = announcement.getModelId().getBytes(StandardCharsets.UTF_8);
    try {
      producer
          .send(
              new ProducerRecord<>(
                  snapshotsTopic, key, Codecs.SNAPSHOT_ANNOUNCEMENT.encode(announcement)))
          .get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while announcing a snapshot", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot announce snapshot on " + snapshotsTopic + ": " + e.getCause(), e.getCause());
    }
  }

  public long recordsSent() {
    return recordsSent;
  }

  public long bytesSent() {
    return bytesSent;
  }

  private void rethrowFailure() {
    Exception e = failure.get();
    if (e != null) {
      throw new IllegalStateException("publishing to " + deltasTopic + " failed: " + e, e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
