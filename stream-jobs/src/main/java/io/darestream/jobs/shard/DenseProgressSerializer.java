package io.darestream.jobs.shard;

import io.darestream.jobs.serde.ValueSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link DenseProgress}: format byte, subtask, round, length, floats (bounded).
 */
public final class DenseProgressSerializer extends ValueSerializer<DenseProgress> {
  private static final long serialVersionUID = 1L;

  public static final DenseProgressSerializer INSTANCE = new DenseProgressSerializer();

  private static final byte FORMAT = 1;

  /** Floats accepted on read: far above any MLP of this model (about 60 k floats by default). */
  static final int MAX_FLOATS = 1 << 24;

  private DenseProgressSerializer() {
    super(true, Snapshot.class);
  }

  @Override
  public void serialize(DenseProgress c, DataOutputView out) throws IOException {
    out.writeByte(FORMAT);
    out.writeInt(c.subtask());
    out.writeLong(c.round());
    out.writeInt(c.values().length);
    for (float f : c.values()) {
      out.writeFloat(f);
    }
  }

  @Override
  public DenseProgress deserialize(DataInputView in) throws IOException {
    readFormat(in, FORMAT, "dense progress");
    int subtask = in.readInt();
    long round = in.readLong();
    int n = in.readInt();
    if (n < 0 || n > MAX_FLOATS) {
      throw new IOException("dense progress of " + n + " floats is out of bounds: corrupt data");
    }
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = in.readFloat();
    }
    return new DenseProgress(subtask, round, values);
  }

  /** Serializer snapshot: one format so far, written in every record's first byte. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<DenseProgress> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
