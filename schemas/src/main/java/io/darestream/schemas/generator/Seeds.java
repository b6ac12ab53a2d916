package io.darestream.schemas.generator;

/**
 * Derives independent seeds from (seed, stream, index) with the SplitMix64 finaliser, so that every
 * user's timeline has its own random stream: a user's events do not depend on how many other users
 * there are or in which order they are interleaved.
 */
final class Seeds {
  static final long CATALOG = 1;
  static final long INTERESTS = 2;
  static final long TIMELINE = 3;
  static final long QUALITY = 4;
  static final long SIDES = 5;
  static final long PREFERENCES = 6;

  private Seeds() {}

  static long mix(long seed, long stream, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
