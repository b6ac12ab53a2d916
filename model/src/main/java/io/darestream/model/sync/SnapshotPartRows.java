package io.darestream.model.sync;

import io.darestream.model.DenseBlock;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import io.darestream.schemas.serde.Codecs;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The data file of a sharded snapshot part: the delta format itself, so there is no second row
 * format. {@code DARE-PART-ROWS}, a format version, then length-prefixed (4 bytes, big-endian)
 * single-object-encoded {@code ModelDelta} records holding full values (weights only), each stamped
 * with the part's (model id, epoch, version, writer), at most {@link #MAX_ROWS_PER_RECORD} rows per
 * record. Read back within {@link Codecs#DELTA_LIMITS}: a length claim over the limit or past the
 * end of the file is refused before anything is allocated.
 */
public final class SnapshotPartRows {
  /** Rows per record, as the trainers' deltas. */
  public static final int MAX_ROWS_PER_RECORD = 2048;

  static final byte[] MAGIC = "DARE-PART-ROWS".getBytes(StandardCharsets.US_ASCII);
  static final int VERSION = 1;

  private SnapshotPartRows() {}

  /** Writes one part's rows, table by table; {@link #close()} writes what is buffered. */
  public static final class Writer implements AutoCloseable {
    private final DataOutputStream out;
    private final DeltaStamp stamp;
    private final List<DeltaRow> pending = new ArrayList<>();
    private String pendingTable;
    private int pendingDim;
    private long rows;

    /**
     * @param stamp the part's model id, epoch, version (the writer's at the barrier) and writer
     */
    public Writer(Path file, DeltaStamp stamp) throws IOException {
      this.out =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
      this.stamp = stamp;
      out.write(MAGIC);
      out.writeInt(VERSION);
    }

    /** Adds row {@code id} of embedding table {@code table}: its first {@code dim} floats. */
    public void addRow(String table, int dim, long id, float[] row) throws IOException {
      if (!table.equals(pendingTable) || dim != pendingDim) {
        flushPending();
        pendingTable = table;
        pendingDim = dim;
      }
      pending.add(new DeltaRow(id, ModelDeltas.packRow(Arrays.copyOf(row, dim))));
      rows++;
      if (pending.size() == MAX_ROWS_PER_RECORD) {
        flushPending();
      }
    }

    /** Adds a dense block (one record of its own, as on {@code model-deltas}). */
    public void addDense(DenseBlock block) throws IOException {
      flushPending();
      float[] values = block.values();
      write(
          ModelDeltas.DENSE_PREFIX + block.name(),
          values.length,
          List.of(new DeltaRow(0L, ModelDeltas.packRow(values))));
    }

    /** Embedding rows added so far. */
    public long rows() {
      return rows;
    }

    private void flushPending() throws IOException {
      if (!pending.isEmpty()) {
        write(pendingTable, pendingDim, new ArrayList<>(pending));
        pending.clear();
      }
    }

    private void write(String table, int dim, List<DeltaRow> records) throws IOException {
      byte[] bytes =
          Codecs.MODEL_DELTA.encode(ModelDeltas.record(stamp, table, dim, records, -1, -1, 0, 1));
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    /** Writes what is buffered and closes the file (the part writer copies and fsyncs it). */
    @Override
    public void close() throws IOException {
      try {
        flushPending();
        out.flush();
      } finally {
        out.close();
      }
    }
  }

  /**
   * Reads every record of a part's data file, in order.
   *
   * @return the number of records read
   * @throws IOException if the file cannot be read, has another magic or version, ends inside a
   *     record, or a record's length claim or content is outside the delta limits (the message says
   *     which)
   */
  public static long read(Path file, Consumer<ModelDelta> records) throws IOException {
    long size = Files.size(file);
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + " is not a snapshot part's rows file (bad magic)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(
            file + " has rows format version " + version + ", this reader knows " + VERSION);
      }
      long position = MAGIC.length + 4L;
      long count = 0;
      while (position < size) {
        int length;
        try {
          length = in.readInt();
        } catch (EOFException e) {
          throw new IOException(file + " ends inside a record's length at byte " + position);
        }
        position += 4;
        if (length <= 0
            || length > Codecs.DELTA_LIMITS.maxRecordBytes()
            || length > size - position) {
          throw new IOException(
              file
                  + " claims a record of "
                  + length
                  + " bytes at byte "
                  + position
                  + " ("
                  + (size - position)
                  + " left, at most "
                  + Codecs.DELTA_LIMITS.maxRecordBytes()
                  + " accepted)");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        position += length;
        ModelDelta d;
        try {
          d = Codecs.MODEL_DELTA.decode(bytes);
        } catch (RuntimeException e) {
          throw new IOException(file + ": record " + count + " does not decode: " + e.getMessage());
        }
        records.accept(d);
        count++;
      }
      return count;
    }
  }

  /** Writes the rows file of {@code stamp}'s part from {@code content} (for writers and tests). */
  public static long write(Path file, DeltaStamp stamp, RowSource content) throws IOException {
    try (Writer w = new Writer(file, stamp)) {
      content.writeTo(w);
      return w.rows();
    }
  }

  /** What a part holds, written through a {@link Writer}. */
  @FunctionalInterface
  public interface RowSource {
    void writeTo(Writer writer) throws IOException;
  }
}
