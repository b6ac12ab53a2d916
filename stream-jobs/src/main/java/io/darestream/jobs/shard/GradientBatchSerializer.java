package io.darestream.jobs.shard;

import io.darestream.jobs.serde.ValueSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of {@link GradientBatch}: format byte, key group, table, row count, dim, then
 * the ids, counts and sums, then the three times, then the trainer, its window number and whether
 * the record closes the window for its owner (format 2; format 1, without them, is still read).
 * Reads refuse counts and dims beyond fixed bounds before allocating (a corrupt buffer must not
 * allocate gigabytes).
 */
public final class GradientBatchSerializer extends ValueSerializer<GradientBatch> {
  private static final long serialVersionUID = 1L;

  public static final GradientBatchSerializer INSTANCE = new GradientBatchSerializer();

  private static final byte FORMAT = 2;

  private static final byte FORMAT_WITHOUT_WINDOW = 1;

  /** Rows per batch accepted on read: a window's bound is far below it. */
  static final int MAX_ROWS = 1 << 22;

  /** Floats per row accepted on read. */
  static final int MAX_DIM = 4096;

  private GradientBatchSerializer() {
    super(true, Snapshot.class);
  }

  @Override
  public void serialize(GradientBatch b, DataOutputView out) throws IOException {
    out.writeByte(FORMAT);
    out.writeInt(b.keyGroup());
    out.writeInt(b.table());
    int n = b.size();
    int dim = b.dim();
    out.writeInt(n);
    out.writeInt(dim);
    for (long id : b.ids()) {
      out.writeLong(id);
    }
    for (int c : b.contributions()) {
      out.writeInt(c);
    }
    for (float f : b.sums()) {
      out.writeFloat(f);
    }
    out.writeLong(b.newestEventTimeMs());
    out.writeLong(b.minIngestTimeMs());
    out.writeLong(b.maxIngestTimeMs());
    out.writeInt(b.trainer());
    out.writeLong(b.window());
    out.writeBoolean(b.closesWindow());
  }

  @Override
  public GradientBatch deserialize(DataInputView in) throws IOException {
    byte format = in.readByte();
    if (format != FORMAT && format != FORMAT_WITHOUT_WINDOW) {
      throw new IOException("gradient batch format " + format + ", expected " + FORMAT);
    }
    int keyGroup = in.readInt();
    int table = in.readInt();
    int n = in.readInt();
    int dim = in.readInt();
    if (n < 1 || n > MAX_ROWS || dim < 1 || dim > MAX_DIM || (long) n * dim > MAX_ROWS) {
      throw new IOException(
          "gradient batch of " + n + " rows of dim " + dim + " is out of bounds: corrupt data");
    }
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = in.readLong();
    }
    int[] contributions = new int[n];
    for (int i = 0; i < n; i++) {
      contributions[i] = in.readInt();
    }
    float[] sums = new float[n * dim];
    for (int i = 0; i < sums.length; i++) {
      sums[i] = in.readFloat();
    }
    long newest = in.readLong();
    long minIngest = in.readLong();
    long maxIngest = in.readLong();
    int trainer = 0;
    long window = 0;
    boolean closesWindow = true;
    if (format == FORMAT) {
      trainer = in.readInt();
      window = in.readLong();
      closesWindow = in.readBoolean();
      if (trainer < 0 || window < 0) {
        throw new IOException(
            "gradient batch of trainer " + trainer + ", window " + window + ": corrupt data");
      }
    }
    return new GradientBatch(
        keyGroup,
        table,
        ids,
        contributions,
        sums,
        newest,
        minIngest,
        maxIngest,
        trainer,
        window,
        closesWindow);
  }

  /** Serializer snapshot: one format so far, written in every record's first byte. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<GradientBatch> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
