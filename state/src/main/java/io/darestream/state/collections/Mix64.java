package io.darestream.state.collections;

/** The SplitMix64 mixing step, shared by the hash tables and the seeded generators of the model. */
public final class Mix64 {
  private Mix64() {}

  /**
   * SplitMix64: adds the golden-ratio increment, then applies its finaliser. Sequential inputs (row
   * ids, counters) come out spread over all 64 bits.
   */
  public static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
