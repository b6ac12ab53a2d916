package io.darestream.model.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The memory-bandwidth reference for the search: a vectorisable multiply-add over {@code floats}
 * floats (same access pattern as one key column). 16M floats = 64 MiB (DRAM); 160k floats = 640 KiB
 * (the keys of L = 10,000 at d = 16 minus a bit, i.e. L2/L3 resident).
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BandwidthBench extends ModelBenchDefaults {
  @Param({"16777216", "320000"})
  int floats;

  private float[] data;
  private float[] acc;

  @Setup
  public void setup() {
    data = new float[floats];
    acc = new float[1024];
    for (int i = 0; i < floats; i++) {
      data[i] = i & 7;
    }
  }

  @Benchmark
  public float stream() {
    float[] a = acc;
    float[] d = data;
    for (int base = 0; base + 1024 <= d.length; base += 1024) {
      for (int i = 0; i < 1024; i++) {
        a[i] += 0.5f * d[base + i];
      }
    }
    return a[7];
  }
}
