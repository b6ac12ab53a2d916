package io.darestream.jobs.sequence;

import io.darestream.jobs.serde.SerializerTypeInfo;
import io.darestream.jobs.serde.ValueSerializer;
import io.darestream.model.TrainingSample;
import io.darestream.state.sequence.SequenceLimits;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link TrainingSample}: fixed fields, then the history length and the item
 * and category arrays (newest first). No Kryo: samples are the hot stream into the trainer.
 */
public final class TrainingSampleSerializer extends ValueSerializer<TrainingSample> {
  private static final long serialVersionUID = 1L;

  public static final TrainingSampleSerializer INSTANCE = new TrainingSampleSerializer();

  public static final TypeInformation<TrainingSample> TYPE_INFO =
      new SerializerTypeInfo<>(TrainingSample.class, INSTANCE);

  private static final int FIXED_BYTES = 8 * 3 + 1 + 8 * 2;

  private TrainingSampleSerializer() {
    super(true, Snapshot.class); // TrainingSample copies its arrays in and never hands them out
  }

  @Override
  public void serialize(TrainingSample s, DataOutputView out) throws IOException {
    out.writeLong(s.userId());
    out.writeLong(s.targetItem());
    out.writeLong(s.targetCategory());
    out.writeByte(s.label());
    out.writeLong(s.eventTimeMs());
    out.writeLong(s.ingestTimeMs());
    int n = s.historyLength();
    out.writeInt(n);
    for (int i = 0; i < n; i++) {
      out.writeLong(s.historyItem(i));
    }
    for (int i = 0; i < n; i++) {
      out.writeLong(s.historyCategory(i));
    }
  }

  @Override
  public TrainingSample deserialize(DataInputView in) throws IOException {
    long user = in.readLong();
    long item = in.readLong();
    long category = in.readLong();
    int label = in.readByte();
    long eventTime = in.readLong();
    long ingestTime = in.readLong();
    int n = readHistoryLength(in);
    long[] items = new long[n];
    long[] categories = new long[n];
    for (int i = 0; i < n; i++) {
      items[i] = in.readLong();
    }
    for (int i = 0; i < n; i++) {
      categories[i] = in.readLong();
    }
    return new TrainingSample(
        user, item, category, label, eventTime, ingestTime, items, categories);
  }

  @Override
  public void copy(DataInputView in, DataOutputView out) throws IOException {
    // Through a byte array: DataOutputSerializer.write(DataInputView, n) does not grow its buffer.
    byte[] fixed = new byte[FIXED_BYTES];
    in.readFully(fixed);
    out.write(fixed);
    int n = readHistoryLength(in);
    out.writeInt(n);
    byte[] history = new byte[16 * n];
    in.readFully(history);
    out.write(history);
  }

  /**
   * Reads a history length and refuses one no sequence can have ({@link
   * SequenceLimits#MAX_LENGTH_LIMIT}) before anything is allocated: a corrupt buffer must not
   * allocate gigabytes.
   */
  private static int readHistoryLength(DataInputView in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > SequenceLimits.MAX_LENGTH_LIMIT) {
      throw new IOException(
          "training sample history length "
              + n
              + " is outside [0, "
              + SequenceLimits.MAX_LENGTH_LIMIT
              + "]: corrupt data");
    }
    return n;
  }

  /** Snapshot of the (stateless) serializer; a format change gets a new snapshot version. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<TrainingSample> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
