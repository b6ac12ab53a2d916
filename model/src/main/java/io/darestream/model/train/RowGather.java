package io.darestream.model.train;

import io.darestream.model.TrainingSample;
import io.darestream.model.embedding.EmbeddingTable;
import io.darestream.model.embedding.FieldTables;
import io.darestream.model.embedding.RowIndex;
import java.util.Arrays;
import java.util.List;

/**
 * The embedding lookups of the forward (DESIGN.md section 4: a token is {@code [item | category |
 * position]} of one set): the history's attention keys, the table slots of the targets' rows and of
 * the picked behaviours' representation rows, and the rows themselves (an id without a row yet
 * reads its deterministic initial weights). Every slot goes into the {@link Workspace}, so the
 * backward and the optimizer find a row's gradient by slot instead of probing the table again.
 *
 * <p>Probes are batched per table (all the ids of a history or of a batch's targets at once) so
 * that their cache misses overlap (model README, speed rules).
 */
final class RowGather {
  private static final long TARGET_POSITION = 0L;
  private static final int NOT_LOOKED_UP = Workspace.NOT_LOOKED_UP;

  private final Workspace ws;
  private final boolean projected;
  private final FieldTables keyTables;
  private final FieldTables valueTables;
  private final int dk;
  private final int keyWidth;
  private final int maxL;

  RowGather(DareParameters params, Workspace ws) {
    this.ws = ws;
    this.projected = params.projected();
    this.keyTables = params.attention();
    this.valueTables = params.representation();
    NetworkShape s = params.shape();
    this.dk = s.dk();
    this.keyWidth = s.keyWidth();
    this.maxL = s.maxL();
  }

  /** Gathers the history of {@code s}, cut to its newest L behaviours. */
  void history(TrainingSample s) {
    int n = Math.min(s.historyLength(), maxL);
    long[] histItems = ws.histItems;
    long[] histCats = ws.histCats;
    for (int i = 0; i < n; i++) {
      histItems[i] = s.historyItem(i);
      histCats[i] = s.historyCategory(i);
    }
    keys(n);
  }

  /** Gathers the first {@code n} behaviours of {@code items} and {@code cats}. */
  void history(long[] items, long[] cats, int n) {
    System.arraycopy(items, 0, ws.histItems, 0, n);
    System.arraycopy(cats, 0, ws.histCats, 0, n);
    keys(n);
  }

  /** Gathers the attention keys of the history's first {@code n} behaviours into its keys. */
  private void keys(int n) {
    EmbeddingTable items = keyTables.item();
    EmbeddingTable cats = keyTables.category();
    long[] histItems = ws.histItems;
    long[] histCats = ws.histCats;
    int[] itemSlots = ws.itemSlots;
    int[] catSlots = ws.catSlots;
    // All row-id probes first (they overlap in the memory system), then the copies.
    items.slots(histItems, n, itemSlots);
    cats.slots(histCats, n, catSlots);
    float[] rows = ws.history.rows();
    for (int i = 0; i < n; i++) {
      copyRow(items, histItems[i], itemSlots[i], rows, i * keyWidth);
      copyRow(cats, histCats[i], catSlots[i], rows, i * keyWidth + dk);
    }
    ws.history.publish(n);
    if (valueTables == keyTables) {
      // TWIN: the value rows are the key rows just probed.
      System.arraycopy(itemSlots, 0, ws.valueItemSlots, 0, n);
      System.arraycopy(catSlots, 0, ws.valueCatSlots, 0, n);
    } else {
      Arrays.fill(ws.valueItemSlots, 0, n, NOT_LOOKED_UP);
      Arrays.fill(ws.valueCatSlots, 0, n, NOT_LOOKED_UP);
    }
  }

  /**
   * Value-table slots of the behaviours the last search picked, looked up once per history: a
   * behaviour picked for several targets (serving scores 100 candidates against one history) is
   * probed once, and the new ones are probed all at once so that their misses overlap.
   */
  void valueSlots(int m) {
    int[] valueItemSlots = ws.valueItemSlots;
    int[] valueCatSlots = ws.valueCatSlots;
    int[] pickIndex = ws.pickIndex;
    int[] pickSlots = ws.pickSlots;
    int missing = 0;
    for (int r = 0; r < m; r++) {
      int i = ws.top.index(r);
      if (valueItemSlots[i] == NOT_LOOKED_UP) {
        pickIndex[missing] = i;
        ws.pickItems[missing] = ws.histItems[i];
        ws.pickCats[missing] = ws.histCats[i];
        missing++;
      }
    }
    if (missing == 0) {
      return;
    }
    valueTables.item().slots(ws.pickItems, missing, pickSlots);
    for (int j = 0; j < missing; j++) {
      valueItemSlots[pickIndex[j]] = pickSlots[j];
    }
    valueTables.category().slots(ws.pickCats, missing, pickSlots);
    for (int j = 0; j < missing; j++) {
      valueCatSlots[pickIndex[j]] = pickSlots[j];
    }
  }

  /** Copies row {@code id} from its slot, or its initial weights if it has no row yet. */
  static void copyRow(EmbeddingTable t, long id, int slot, float[] dst, int off) {
    if (slot == RowIndex.MISSING) {
      t.initialWeights(id, dst, off);
    } else {
      t.copySlot(slot, dst, off);
    }
  }

  /** Target ids of the batch into the workspace, then {@link #targets(int)}. */
  void targets(List<TrainingSample> batch) {
    int n = batch.size();
    for (int b = 0; b < n; b++) {
      TrainingSample s = batch.get(b);
      ws.tItem[b] = s.targetItem();
      ws.tCat[b] = s.targetCategory();
    }
    targets(n);
  }

  /**
   * Table slots of the targets {@code tItem/tCat[0, n)} in both sets, each table's probes all at
   * once so that their cache misses overlap (one by one in the forward, each waited alone).
   */
  void targets(int n) {
    valueTables.item().slots(ws.tItem, n, ws.tValueItemSlot);
    valueTables.category().slots(ws.tCat, n, ws.tValueCatSlot);
    if (projected) {
      return; // the query is a projection of the value token: no key rows
    }
    if (keyTables == valueTables) {
      System.arraycopy(ws.tValueItemSlot, 0, ws.tKeyItemSlot, 0, n);
      System.arraycopy(ws.tValueCatSlot, 0, ws.tKeyCatSlot, 0, n);
    } else {
      keyTables.item().slots(ws.tItem, n, ws.tKeyItemSlot);
      keyTables.category().slots(ws.tCat, n, ws.tKeyCatSlot);
    }
  }

  /**
   * Writes the target token (position 0) of {@code t} into {@code dst[off ..)}, its item and
   * category rows from the slots looked up at {@code b}.
   */
  static void targetToken(
      FieldTables t,
      long item,
      long cat,
      float[] dst,
      int off,
      int[] itemSlot,
      int[] catSlot,
      int b) {
    int d = t.dim();
    copyRow(t.item(), item, itemSlot[b], dst, off);
    copyRow(t.category(), cat, catSlot[b], dst, off + d);
    t.position().copyWeights(TARGET_POSITION, dst, off + 2 * d);
  }
}
