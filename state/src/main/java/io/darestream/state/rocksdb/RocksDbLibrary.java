package io.darestream.state.rocksdb;

import org.rocksdb.RocksDB;

/**
 * Loads the RocksDB native library once per JVM. Every store calls {@link #ensureLoaded()} before
 * touching {@code org.rocksdb}; repeated {@code RocksDB.loadLibrary()} calls are cheap but not
 * free, and a single place makes the "one RocksDB build per JVM" rule (see STACK.md) easy to audit.
 */
public final class RocksDbLibrary {
  private static volatile boolean loaded;

  private RocksDbLibrary() {}

  public static void ensureLoaded() {
    if (!loaded) {
      synchronized (RocksDbLibrary.class) {
        if (!loaded) {
          RocksDB.loadLibrary();
          loaded = true;
        }
      }
    }
  }
}
