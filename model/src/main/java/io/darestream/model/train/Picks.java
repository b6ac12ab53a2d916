package io.darestream.model.train;

/**
 * Behaviours an attention backward runs over, recorded by the forward: per pick its history index,
 * ids, the table slots of its item and category rows in both sets (the row gradients are found by
 * slot), its softmax weight, and its representation and attention key rows.
 */
final class Picks {
  final int[] index;
  final long[] items;
  final long[] cats;
  final int[] keyItemSlot;
  final int[] keyCatSlot;
  final int[] valueItemSlot;
  final int[] valueCatSlot;
  final float[] weights;
  final float[] values;
  final float[] keys;

  Picks(int n, int valueWidth, int keyWidth) {
    index = new int[n];
    items = new long[n];
    cats = new long[n];
    keyItemSlot = new int[n];
    keyCatSlot = new int[n];
    valueItemSlot = new int[n];
    valueCatSlot = new int[n];
    weights = new float[n];
    values = new float[n * valueWidth];
    keys = new float[n * keyWidth];
  }
}
