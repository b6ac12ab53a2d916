package io.darestream.model.bench;

import io.darestream.model.search.HistoryKeys;
import io.darestream.model.search.SearchKernel;
import io.darestream.model.search.TopK;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The search kernel on gathered keys: one target against L behaviours, top 20. Keys hold the item
 * and category fields (2 x d per behaviour); the position field is the precomputed bias. Bytes
 * touched per target: L x (2d + 1) x 4. Both key layouts give the same scores, bit for bit.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SearchBench extends ModelBenchDefaults {
  @Param({"200", "2000", "10000"})
  int length;

  @Param({"16", "8", "4"})
  int dim;

  /**
   * {@code columns}: the transposed keys serving searches for many candidates; {@code rows}: the
   * gathered layout a training step searches (twice per history) without transposing.
   */
  @Param({"columns", "rows"})
  String layout;

  private HistoryKeys keys;
  private float[] query;
  private float[] query2;
  private float[] bias;
  private SearchKernel kernel;
  private TopK top;

  @Setup
  public void setup() {
    SplittableRandom r = new SplittableRandom(1);
    int width = 2 * dim;
    keys = new HistoryKeys(width, length);
    keys.reset(length);
    float[] row = new float[width];
    for (int i = 0; i < length; i++) {
      for (int j = 0; j < width; j++) {
        row[j] = (float) r.nextGaussian();
      }
      keys.set(i, 0, row, 0, width);
    }
    if (layout.equals("rows")) {
      keys.publish(length); // the same keys, row layout only
    }
    query = new float[width];
    for (int j = 0; j < width; j++) {
      query[j] = (float) r.nextGaussian();
    }
    query2 = new float[width];
    for (int j = 0; j < width; j++) {
      query2[j] = (float) r.nextGaussian();
    }
    bias = new float[length];
    kernel = new SearchKernel(length);
    top = new TopK(20);
  }

  /**
   * What a training step does per history: a click and its sampled negative search the freshly
   * gathered keys; with {@code columns} the keys are transposed first (that cost included).
   */
  @Benchmark
  public int searchPair() {
    keys.publish(length);
    if (layout.equals("columns")) {
      keys.transpose();
    }
    kernel.search(query, keys, bias, 0.14f, top);
    int first = top.index(0);
    kernel.search(query2, keys, bias, 0.14f, top);
    return first + top.index(0);
  }

  @Benchmark
  public int search() {
    kernel.search(query, keys, bias, 0.14f, top);
    return top.index(0);
  }
}
