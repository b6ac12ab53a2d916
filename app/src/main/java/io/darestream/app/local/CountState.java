package io.darestream.app.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The checkpointed state of the local run's counting sinks: one count per writer. Restored writers
 * sum what they are given, so the total survives any redistribution of the states.
 */
final class CountState implements SimpleVersionedSerializer<Long> {
  static final CountState SERIALIZER = new CountState();

  private CountState() {}

  /** The count a restored writer starts from: the sum of its recovered states. */
  static long restored(Collection<Long> states) {
    long sum = 0;
    for (Long s : states) {
      sum += s;
    }
    return sum;
  }

  @Override
  public int getVersion() {
    return 1;
  }

  @Override
  public byte[] serialize(Long count) {
    return ByteBuffer.allocate(Long.BYTES).putLong(count).array();
  }

  @Override
  public Long deserialize(int version, byte[] serialized) throws IOException {
    if (version != 1 || serialized.length != Long.BYTES) {
      throw new IOException(
          "not a count (version " + version + ", " + serialized.length + " bytes)");
    }
    return ByteBuffer.wrap(serialized).getLong();
  }
}
