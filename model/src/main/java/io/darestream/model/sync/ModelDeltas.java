package io.darestream.model.sync;

import io.darestream.model.DareModel;
import io.darestream.model.DenseBlock;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.schemas.avro.DeltaRow;
import io.darestream.schemas.avro.ModelDelta;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between a {@link DareModel} and {@code ModelDelta} records, the one format the trainer
 * publishes and serving applies (so both sides share this code).
 *
 * <ul>
 *   <li>Embedding rows: table = the model's table name ({@code att.item}, ...), one {@link
 *       DeltaRow} per changed id holding the row's weights (not its optimizer slots) as packed
 *       float32 little-endian. A row with empty {@code values} means the id was deleted (expired).
 *   <li>Dense blocks: table = {@code dense.<block name>} (e.g. {@code dense.mlp.0.weight}), one row
 *       with id 0 holding the whole block.
 * </ul>
 *
 * Rows carry full values, so applying a record twice, or an older record after a newer snapshot of
 * the same epoch, is harmless; ordering between epochs is the consumer's job.
 */
public final class ModelDeltas {
  /** Prefix of the delta table name of a dense block. */
  public static final String DENSE_PREFIX = "dense.";

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private ModelDeltas() {}

  /**
   * The rows changed since the last call (drains every table's publish tracker), as records of at
   * most {@code maxRowsPerRecord} rows each.
   */
  public static List<ModelDelta> drainChangedRows(
      DareModel model, DeltaStamp stamp, int maxRowsPerRecord) {
    if (maxRowsPerRecord < 1) {
      throw new IllegalArgumentException("maxRowsPerRecord must be >= 1, got " + maxRowsPerRecord);
    }
    List<ModelDelta> out = new ArrayList<>();
    model.withoutWriters(
        () -> {
          for (EmbeddingTable table : model.tables()) {
            long[] ids = table.dirty().drainSincePublish();
            if (ids.length == 0) {
              continue;
            }
            int dim = table.dim();
            float[] full = new float[table.rowWidth()];
            List<DeltaRow> rows = new ArrayList<>(ids.length);
            for (long id : ids) {
              boolean live = table.readRow(id, full);
              rows.add(new DeltaRow(id, live ? pack(full, dim) : EMPTY.duplicate()));
            }
            addRecords(out, stamp, table.name(), dim, rows, maxRowsPerRecord);
          }
        });
    return out;
  }

  /** Every dense parameter block (not the optimizer state), one record each. */
  public static List<ModelDelta> denseBlocks(DareModel model, DeltaStamp stamp) {
    List<ModelDelta> out = new ArrayList<>();
    List<DenseBlock> blocks = model.withoutWriters(() -> model.dense().blocks());
    for (DenseBlock block : blocks) {
      float[] values = block.values();
      addRecords(
          out,
          stamp,
          DENSE_PREFIX + block.name(),
          values.length,
          List.of(new DeltaRow(0L, pack(values, values.length))),
          1);
    }
    return out;
  }

  /**
   * Writes the rows of {@code delta} into {@code model} (weights only; optimizer slots are the
   * trainer's business) and raises the model's version to the delta's if it is newer. The whole
   * record is checked before anything is written, so a malformed record changes nothing.
   *
   * @return the number of rows written or deleted
   * @throws IllegalArgumentException if the table is unknown, a row has the wrong width or a
   *     negative id
   */
  public static int apply(DareModel model, ModelDelta delta) {
    return apply(model, delta, null);
  }

  /**
   * Changes a delta's live row before it is written (a consumer that keeps changes of its own on
   * top of the publisher's rows). Runs under the model's write lock.
   */
  @FunctionalInterface
  public interface RowAdjuster {
    /** Adjusts {@code row} (the published weights of row {@code id}) in place. */
    void adjust(long id, float[] row);
  }

  /**
   * As {@link #apply(DareModel, ModelDelta)}, passing every live row of an embedding table through
   * {@code adjuster} (null: none) before it is written; deletions and dense blocks are not passed.
   */
  public static int apply(DareModel model, ModelDelta delta, RowAdjuster adjuster) {
    String table = delta.getTable();
    int dim = delta.getDim();
    // Exclusive: serving scores concurrently; the rows must not change under a running score.
    return model.exclusive(() -> applyExclusive(model, delta, table, dim, adjuster));
  }

  /**
   * The dense block a {@code dense.<block>} delta carries (exactly one row of {@code dim} floats).
   *
   * @throws IllegalArgumentException if the delta is not such a record
   */
  public static DenseBlock denseBlock(ModelDelta delta) {
    String table = delta.getTable();
    if (!table.startsWith(DENSE_PREFIX)) {
      throw new IllegalArgumentException(table + " is not a dense block");
    }
    if (delta.getRows().size() != 1) {
      throw new IllegalArgumentException(
          "dense delta " + table + " must have exactly one row, has " + delta.getRows().size());
    }
    return new DenseBlock(
        table.substring(DENSE_PREFIX.length()),
        unpackRow(delta.getRows().get(0).getValues(), delta.getDim()));
  }

  private static int applyExclusive(
      DareModel model, ModelDelta delta, String table, int dim, RowAdjuster adjuster) {
    if (table.startsWith(DENSE_PREFIX)) {
      // DenseParameters.set checks the name and size before it writes.
      model.writeDense(denseBlock(delta));
      raiseVersion(model, delta.getVersion());
      return 1;
    }
    EmbeddingTable target = model.table(table);
    if (target.dim() != dim) {
      throw new IllegalArgumentException(
          "delta for " + table + " has dim " + dim + ", the model's table has " + target.dim());
    }
    List<DeltaRow> rows = delta.getRows();
    float[][] decoded = new float[rows.size()][];
    for (int i = 0; i < decoded.length; i++) {
      DeltaRow row = rows.get(i);
      if (row.getId() < 0) {
        throw new IllegalArgumentException("delta for " + table + " has row id " + row.getId());
      }
      // An empty row announces a deletion (expiry); it stays null here.
      decoded[i] = row.getValues().remaining() == 0 ? null : unpackRow(row.getValues(), dim);
    }
    for (int i = 0; i < decoded.length; i++) {
      if (decoded[i] == null) {
        target.remove(rows.get(i).getId());
      } else {
        if (adjuster != null) {
          adjuster.adjust(rows.get(i).getId(), decoded[i]);
        }
        target.writeRow(rows.get(i).getId(), decoded[i]);
      }
    }
    raiseVersion(model, delta.getVersion());
    return decoded.length;
  }

  /** Whether every value of every row of {@code delta} is a finite float. */
  public static boolean allFinite(ModelDelta delta) {
    for (DeltaRow row : delta.getRows()) {
      ByteBuffer values = row.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int i = values.position(); i + Float.BYTES <= values.limit(); i += Float.BYTES) {
        if (!Float.isFinite(values.getFloat(i))) {
          return false;
        }
      }
    }
    return true;
  }

  /** Packs {@code values} as float32 little-endian, the wire form of a row. */
  public static ByteBuffer packRow(float[] values) {
    return pack(values, values.length);
  }

  /**
   * Unpacks a row's float32 little-endian values.
   *
   * @throws IllegalArgumentException unless there are exactly {@code dim} of them
   */
  public static float[] unpackRow(ByteBuffer bytes, int dim) {
    // In long: dim * 4 overflows int for a forged dim of 2^30, and an empty row would then pass
    // and allocate a 4 GB array.
    if (dim <= 0 || bytes.remaining() != (long) dim * Float.BYTES) {
      throw new IllegalArgumentException(
          "row has "
              + bytes.remaining()
              + " bytes, expected "
              + (long) dim * Float.BYTES
              + " (dim "
              + dim
              + ")");
    }
    float[] out = new float[dim];
    bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /** Packs {@code count} floats as float32 little-endian. */
  static ByteBuffer pack(float[] values, int count) {
    ByteBuffer b = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values, 0, count);
    return b;
  }

  private static void raiseVersion(DareModel model, long version) {
    if (version > model.version()) {
      model.setVersion(version);
    }
  }

  private static void addRecords(
      List<ModelDelta> out,
      DeltaStamp stamp,
      String table,
      int dim,
      List<DeltaRow> rows,
      int maxRowsPerRecord) {
    int count = (rows.size() + maxRowsPerRecord - 1) / maxRowsPerRecord;
    for (int i = 0; i < count; i++) {
      List<DeltaRow> part =
          rows.subList(i * maxRowsPerRecord, Math.min(rows.size(), (i + 1) * maxRowsPerRecord));
      out.add(
          record(
              stamp,
              table,
              dim,
              new ArrayList<>(part),
              stamp.minIngestTimeMs(),
              stamp.maxIngestTimeMs(),
              i,
              count));
    }
  }

  /**
   * One {@code ModelDelta} record of {@code table} with {@code rows}, stamped by {@code stamp} but
   * for the ingest times, which the caller gives (a snapshot part's records have none: -1).
   */
  static ModelDelta record(
      DeltaStamp stamp,
      String table,
      int dim,
      List<DeltaRow> rows,
      long minIngestTimeMs,
      long maxIngestTimeMs,
      int batchIndex,
      int batchCount) {
    return ModelDelta.newBuilder()
        .setModelId(stamp.modelId())
        .setEpoch(stamp.epoch())
        .setVersion(stamp.version())
        .setTable(table)
        .setDim(dim)
        .setRows(rows)
        .setNewestEventTimeMs(stamp.newestEventTimeMs())
        .setMinIngestTimeMs(minIngestTimeMs)
        .setMaxIngestTimeMs(maxIngestTimeMs)
        .setPublishTimeMs(stamp.publishTimeMs())
        .setWriter(stamp.writer())
        .setAcknowledgedWindows(boxed(stamp.acknowledgedWindows()))
        .setBatchIndex(batchIndex)
        .setBatchCount(batchCount)
        .build();
  }

  private static List<Long> boxed(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return out;
  }
}
