package io.darestream.model.embedding;

import io.darestream.model.RowCopy;
import io.darestream.model.collections.LongIntHashMap;
import io.darestream.state.model.DirtyRowTracker;
import java.util.Arrays;

/**
 * A dynamic embedding table: rows keyed by a {@code long} id, created on first training use, stored
 * contiguously ({@code float[]} weights, {@code float[]} optimizer slots, id to slot via {@link
 * RowIndex}).
 *
 * <p>An id without a row reads as its deterministic initial value ({@link RowInitializer}), in
 * training and in scoring alike, so an unmaterialised row and a fresh row give identical numbers.
 * Admission ({@code minCount}) decides when a row is materialised and starts to train; expiry drops
 * rows not updated for {@code expiryMs}. Every update and every expiry marks the id in {@link
 * #dirty()}; a dirty id whose {@link #readRow} returns false was deleted.
 *
 * <p>Admission counts are bounded by the same horizon: they are kept in two generations that {@link
 * #expire} rotates once per {@code expiryMs} of its clock, so a sighting is forgotten unless the id
 * is seen again within one to two horizons, and the counts held never exceed the distinct ids seen
 * in the last two horizons. Without expiry ({@code expiryMs == 0}) counts are kept until admission,
 * like rows are kept for ever.
 *
 * <p>A full row ({@link #rowWidth()}) is the weights followed by the optimizer slots. Not
 * thread-safe.
 */
public final class EmbeddingTable {
  private static final int NO_SLOT = RowIndex.MISSING;
  private static final long UNKNOWN_UPDATE = Long.MAX_VALUE;
  private static final int NOT_ADMITTED = -2;
  // Rows per block of applyGradients: enough misses in flight, few enough to stay in L1/L2.
  private static final int APPLY_BLOCK = 32;

  private final String name;
  private final int dim;
  private final int slotWidth;
  private final SparseOptimizer optimizer;
  private final RowInitializer initializer;
  private final int admissionMinCount;
  private final long expiryMs;
  private final RowIndex index = new RowIndex(1024);
  // Sightings of ids not yet admitted, this generation and the one before (see expire()).
  private LongIntHashMap pendingCounts = new LongIntHashMap(16);
  private LongIntHashMap olderPendingCounts = new LongIntHashMap(16);
  private long generationStartMs = Long.MIN_VALUE;
  private final DirtyRowTracker dirty = new DirtyRowTracker();

  private float[] weights;
  private float[] slots;
  private long[] slotIds;
  private long[] lastUpdateMs;
  private int[] freeSlots = new int[16];
  private int[] batchSlots = new int[256];
  private long[] updatedIds = new long[256];

  // Written by touch() so that its loads are not optimised away; never read.
  @SuppressWarnings("unused")
  private float touchSink;

  private int freeCount;
  private int highWater;
  private long admitted;
  private long expired;
  private long modifications;
  private long releases;

  public EmbeddingTable(
      String name,
      int dim,
      SparseOptimizer optimizer,
      RowInitializer initializer,
      int admissionMinCount,
      long expiryMs) {
    if (dim <= 0) {
      throw new IllegalArgumentException("dim must be > 0, got " + dim);
    }
    this.name = name;
    this.dim = dim;
    this.optimizer = optimizer;
    this.slotWidth = optimizer.slotWidth(dim);
    this.initializer = initializer;
    this.admissionMinCount = Math.max(1, admissionMinCount);
    this.expiryMs = expiryMs;
    allocate(256);
  }

  public String name() {
    return name;
  }

  /** Weights per row. */
  public int dim() {
    return dim;
  }

  /** Optimizer floats per row. */
  public int slotWidth() {
    return slotWidth;
  }

  /** Floats in a full row: {@link #dim()} weights, then {@link #slotWidth()} optimizer slots. */
  public int rowWidth() {
    return dim + slotWidth;
  }

  /** Live rows. */
  public int size() {
    return index.size();
  }

  public boolean contains(long id) {
    return index.containsKey(id);
  }

  /** Ids of all live rows, in no particular order. */
  public long[] ids() {
    long[] out = new long[index.size()];
    int[] n = {0};
    index.forEach((id, slot) -> out[n[0]++] = id);
    return out;
  }

  public DirtyRowTracker dirty() {
    return dirty;
  }

  /**
   * A count that changes whenever a row is written, updated or dropped: a reader that copied rows
   * may keep its copies for as long as this stays the same (read under the same lock as the rows).
   */
  public long modifications() {
    return modifications;
  }

  /**
   * Rows removed so far (expired or deleted). A slot read from {@link #slots} or {@link #slot}
   * still holds the same id for as long as this count is unchanged: rows never move, and only a
   * removed row's slot is handed to another id.
   */
  public long releases() {
    return releases;
  }

  public TableCounters counters() {
    return new TableCounters(
        admitted, expired, index.size(), pendingCounts.size() + olderPendingCounts.size());
  }

  /**
   * Copies the weights of {@code id} into {@code dst[off .. off + dim)}: the stored row, or the
   * deterministic initial value when the id has no row. Never creates a row.
   */
  public void copyWeights(long id, float[] dst, int off) {
    int slot = index.get(id);
    if (slot == NO_SLOT) {
      initializer.fill(id, dst, off, dim);
    } else {
      RowCopy.copy(weights, slot * dim, dst, off, dim);
    }
  }

  /** {@code out[i] = } the storage slot of {@code ids[i]} ({@code -1} without a row), i < n. */
  public void slots(long[] ids, int n, int[] out) {
    index.getAll(ids, n, out);
  }

  /** The storage slot of {@code id}, or {@code -1} ({@link RowIndex#MISSING}) without a row. */
  public int slot(long id) {
    return index.get(id);
  }

  /** Copies the stored weights of {@code slot} (from {@link #slots}, not -1) into {@code dst}. */
  public void copySlot(int slot, float[] dst, int off) {
    RowCopy.copy(weights, slot * dim, dst, off, dim);
  }

  /** Writes the deterministic initial weights of {@code id} into {@code dst[off .. off + dim)}. */
  public void initialWeights(long id, float[] dst, int off) {
    initializer.fill(id, dst, off, dim);
  }

  /**
   * Copies the full row (weights then optimizer slots) into {@code dst}, which must hold {@link
   * #rowWidth()} floats.
   *
   * @return false (and {@code dst} untouched) if the id has no row
   */
  public boolean readRow(long id, float[] dst) {
    return readRow(id, dst, 0);
  }

  /** As {@link #readRow(long, float[])}, into {@code dst[offset .. offset + rowWidth())}. */
  public boolean readRow(long id, float[] dst, int offset) {
    int slot = index.get(id);
    if (slot == NO_SLOT) {
      return false;
    }
    System.arraycopy(weights, slot * dim, dst, offset, dim);
    System.arraycopy(slots, slot * slotWidth, dst, offset + dim, slotWidth);
    return true;
  }

  /**
   * Stores a row from a snapshot, a checkpoint or a delta: {@code row} holds either {@link
   * #rowWidth()} floats (weights and slots) or {@link #dim()} floats (weights only; slots keep
   * their value, zero for a new row). Does not mark the row dirty.
   */
  public void writeRow(long id, float[] row) {
    if (row.length != rowWidth() && row.length != dim) {
      throw new IllegalArgumentException(
          "table "
              + name
              + " expects "
              + rowWidth()
              + " or "
              + dim
              + " floats per row, got "
              + row.length);
    }
    int slot = slotOrNew(id);
    modifications++;
    System.arraycopy(row, 0, weights, slot * dim, dim);
    if (row.length == rowWidth()) {
      System.arraycopy(row, dim, slots, slot * slotWidth, slotWidth);
    }
  }

  /**
   * Makes room for {@code rows} rows at once (a snapshot load that knows its row count): one
   * allocation and one rehash instead of repeated doubling, which copies and touches every page
   * several times on the way to millions of rows.
   */
  public void ensureCapacity(int rows) {
    if (rows > slotIds.length) {
      grow(rows);
    }
    index.ensureCapacity(rows);
  }

  /** Deletes row {@code id} (e.g. a delta announcing an expiry); returns whether it existed. */
  public boolean remove(long id) {
    int slot = index.remove(id);
    if (slot == NO_SLOT) {
      return false;
    }
    release(slot);
    return true;
  }

  /**
   * Applies a gradient to row {@code id} with this table's optimizer. An id that has not passed
   * admission only counts the sighting; an admitted id without a row gets its initial value first.
   *
   * @return whether the row was updated
   */
  public boolean applyGradient(long id, float[] grad, int gradOff, long nowMs) {
    int slot = admittedSlot(id, index.get(id));
    if (slot == NOT_ADMITTED) {
      return false;
    }
    optimize(slot, grad, gradOff, nowMs);
    dirty.mark(id);
    return true;
  }

  /**
   * {@code slot} if the id has a row; else a new row with its initial value if the id passes
   * admission now, else {@link #NOT_ADMITTED}.
   */
  private int admittedSlot(long id, int slot) {
    if (slot != NO_SLOT) {
      return slot;
    }
    // Probed before any row of the call was created: an id given twice (one entry per micro-batch)
    // has its row made by its first entry, which a second creation would re-initialise.
    int existing = index.get(id);
    if (existing != NO_SLOT) {
      return existing;
    }
    if (!admit(id)) {
      return NOT_ADMITTED;
    }
    int created = slotOrNew(id);
    initializer.fill(id, weights, created * dim, dim);
    admitted++;
    return created;
  }

  private void optimize(int slot, float[] grad, int gradOff, long nowMs) {
    optimizer.step(weights, slot * dim, slots, slot * slotWidth, dim, grad, gradOff);
    lastUpdateMs[slot] = nowMs;
    modifications++;
  }

  /**
   * Applies the gradients of {@code count} rows (an id may repeat: its gradients are applied in
   * order), row {@code r} being {@code ids[r]} with its gradient at {@code grads[r * dim() ..]};
   * the same as {@link #applyGradient} per row in that order (same slots, admission counts and
   * bits), arranged for the memory system: all id probes first, then the optimizer in blocks whose
   * rows are touched before they are updated, so that the cache misses of a block overlap instead
   * of waiting one by one behind each row's arithmetic.
   *
   * <p>{@code knownSlots[r] >= 0} is taken as the slot of {@code ids[r]} without probing the index
   * (the caller read it while {@link #releases()} had its current value); a negative entry, or
   * {@code knownSlots == null}, is probed.
   *
   * @return rows updated
   */
  public int applyGradients(long[] ids, int[] knownSlots, float[] grads, int count, long nowMs) {
    return applyGradients(ids, knownSlots, grads, null, count, nowMs);
  }

  /**
   * As {@link #applyGradients(long[], int[], float[], int, long)} for coalesced gradients: row
   * {@code r}'s gradient sums {@code contributions[r]} micro-batches (null: one each), which the
   * optimizer may read ({@link SparseOptimizer#step(float[], int, float[], int, int, float[], int,
   * int)}).
   */
  public int applyGradients(
      long[] ids, int[] knownSlots, float[] grads, int[] contributions, int count, long nowMs) {
    if (batchSlots.length < count) {
      batchSlots = new int[Math.max(count, 2 * batchSlots.length)];
    }
    if (updatedIds.length < count) {
      updatedIds = new long[Math.max(count, 2 * updatedIds.length)];
    }
    int[] s = batchSlots;
    if (knownSlots == null) {
      index.getAll(ids, count, s);
    } else {
      for (int r = 0; r < count; r++) {
        int known = knownSlots[r];
        assert known < 0 || slotIds[known] == ids[r] : "stale slot " + known + " for id " + ids[r];
        s[r] = known >= 0 ? known : index.get(ids[r]);
      }
    }
    for (int r = 0; r < count; r++) {
      s[r] = admittedSlot(ids[r], s[r]);
    }
    int updated = 0;
    for (int start = 0; start < count; start += APPLY_BLOCK) {
      int end = Math.min(count, start + APPLY_BLOCK);
      touch(s, start, end);
      for (int r = start; r < end; r++) {
        int slot = s[r];
        if (slot == NOT_ADMITTED) {
          continue;
        }
        if (contributions == null) {
          optimize(slot, grads, r * dim, nowMs);
        } else {
          optimizer.step(
              weights, slot * dim, slots, slot * slotWidth, dim, grads, r * dim, contributions[r]);
          lastUpdateMs[slot] = nowMs;
          modifications++;
        }
        updatedIds[updated++] = ids[r];
      }
    }
    dirty.markAll(updatedIds, updated);
    return updated;
  }

  /** Loads one float of every cache line of the block's rows: independent loads, all in flight. */
  private void touch(int[] s, int start, int end) {
    float sum = 0f;
    for (int r = start; r < end; r++) {
      int slot = s[r];
      if (slot >= 0) {
        int w = slot * dim;
        int o = slot * slotWidth;
        sum += weights[w] + weights[w + dim - 1];
        for (int j = 0; j < slotWidth; j += 16) {
          sum += slots[o + j];
        }
        sum += slots[o + slotWidth - 1];
      }
    }
    touchSink = sum;
  }

  /**
   * Drops rows not updated since {@code nowMs - expiryMs} (no-op when expiry is disabled); the
   * dropped ids are marked dirty so that deletions reach the store and serving. Also forgets the
   * admission counts of the older generation once {@code expiryMs} has passed since the current one
   * began. {@code nowMs} is on the clock of the update times given to {@link #applyGradient}.
   *
   * @return rows dropped
   */
  public int expire(long nowMs) {
    if (expiryMs <= 0) {
      return 0;
    }
    rotateAdmissionCounts(nowMs);
    long cutoff = nowMs - expiryMs;
    int dropped = 0;
    for (int slot = 0; slot < highWater; slot++) {
      long id = slotIds[slot];
      if (lastUpdateMs[slot] == UNKNOWN_UPDATE) {
        // Restored rows: their age is unknown, so the clock starts now.
        lastUpdateMs[slot] = nowMs;
      } else if (lastUpdateMs[slot] < cutoff && lastUpdateMs[slot] != Long.MIN_VALUE) {
        if (index.get(id) == slot) {
          index.remove(id);
          release(slot);
          dirty.mark(id);
          dropped++;
        }
      }
    }
    expired += dropped;
    return dropped;
  }

  private void rotateAdmissionCounts(long nowMs) {
    if (generationStartMs == Long.MIN_VALUE) {
      generationStartMs = nowMs;
    } else if (nowMs - generationStartMs >= expiryMs) {
      // Ids last seen in the older generation were not seen for at least one horizon: forgotten.
      // A new map, not a cleared one, so that a burst of ids does not keep its capacity for ever.
      olderPendingCounts = pendingCounts;
      pendingCounts = new LongIntHashMap(16);
      generationStartMs = nowMs;
    }
  }

  private boolean admit(long id) {
    if (admissionMinCount <= 1) {
      return true;
    }
    int seen = pendingCounts.get(id);
    if (seen == LongIntHashMap.MISSING) {
      // Seen in the older generation: the count moves to the current one, where it stays alive.
      seen = olderPendingCounts.remove(id);
    }
    seen = seen == LongIntHashMap.MISSING ? 1 : seen + 1;
    if (seen >= admissionMinCount) {
      pendingCounts.remove(id);
      return true;
    }
    pendingCounts.put(id, seen);
    return false;
  }

  /**
   * The slot of {@code id}, created if absent, with one probe of the index (a snapshot load writes
   * millions of new ids; each probe is a cache miss).
   */
  private int slotOrNew(long id) {
    boolean reuse = freeCount > 0;
    if (!reuse && highWater == slotIds.length) {
      grow(slotIds.length * 2);
    }
    int candidate = reuse ? freeSlots[freeCount - 1] : highWater;
    int existing = index.putIfAbsent(id, candidate);
    if (existing != NO_SLOT) {
      return existing;
    }
    if (reuse) {
      freeCount--;
    } else {
      highWater++;
    }
    Arrays.fill(slots, candidate * slotWidth, (candidate + 1) * slotWidth, 0f);
    slotIds[candidate] = id;
    lastUpdateMs[candidate] = UNKNOWN_UPDATE;
    return candidate;
  }

  private void release(int slot) {
    modifications++;
    releases++;
    lastUpdateMs[slot] = Long.MIN_VALUE;
    if (freeCount == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, freeCount * 2);
    }
    freeSlots[freeCount++] = slot;
  }

  private void allocate(int capacity) {
    weights = new float[capacity * dim];
    slots = new float[capacity * slotWidth];
    slotIds = new long[capacity];
    lastUpdateMs = new long[capacity];
  }

  private void grow(int capacity) {
    weights = Arrays.copyOf(weights, capacity * dim);
    slots = Arrays.copyOf(slots, capacity * slotWidth);
    slotIds = Arrays.copyOf(slotIds, capacity);
    lastUpdateMs = Arrays.copyOf(lastUpdateMs, capacity);
  }
}
