package io.darestream.model.nn;

import io.darestream.model.DenseBlock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dense parameters of the model (the table set called {@code dense}) as named float blocks,
 * plus the dense Adam state. Block names and layouts:
 *
 * <ul>
 *   <li>{@code mlp.<l>.weight}: layer {@code l}, input-major {@code [in][out]}
 *   <li>{@code mlp.<l>.bias}: {@code [out]}; {@code mlp.<l>.prelu}: PReLU slopes {@code [out]}
 *       (hidden layers only)
 *   <li>{@code proj.query}, {@code proj.key}, {@code proj.value}, {@code proj.target} (TWIN_PROJ
 *       only): input-major {@code [in][out]}
 *   <li>{@code search.match}: the search's exact-match weights {@code [item, category]} (only with
 *       {@code DareConfig#exactMatch()})
 *   <li>optimizer state: {@code adam.m.<name>}, {@code adam.v.<name>}, {@code adam.step} (one float
 *       holding the step count)
 * </ul>
 */
public final class DenseParameters {
  /** The table-set name under which dense parameters are persisted and published. */
  public static final String NAME = "dense";

  private final Map<String, float[]> params = new LinkedHashMap<>();
  private final Map<String, float[]> firstMoments = new LinkedHashMap<>();
  private final Map<String, float[]> secondMoments = new LinkedHashMap<>();
  private final float[] step = new float[1];

  /** Registers a zero block; returns its live array. */
  public float[] register(String name, int size) {
    if (params.containsKey(name)) {
      throw new IllegalArgumentException("dense block registered twice: " + name);
    }
    float[] a = new float[size];
    params.put(name, a);
    firstMoments.put(name, new float[size]);
    secondMoments.put(name, new float[size]);
    return a;
  }

  /** Parameter block names in a fixed order. */
  public List<String> names() {
    return Collections.unmodifiableList(new ArrayList<>(params.keySet()));
  }

  /** A copy of parameter block {@code name}. */
  public DenseBlock block(String name) {
    return new DenseBlock(name, live(name));
  }

  /** Copies of all parameter blocks (what serving needs). */
  public List<DenseBlock> blocks() {
    List<DenseBlock> out = new ArrayList<>();
    params.forEach((n, a) -> out.add(new DenseBlock(n, a)));
    return out;
  }

  /** Copies of the dense optimizer state (what a restored trainer needs besides the blocks). */
  public List<DenseBlock> optimizerBlocks() {
    List<DenseBlock> out = new ArrayList<>();
    firstMoments.forEach((n, a) -> out.add(new DenseBlock("adam.m." + n, a)));
    secondMoments.forEach((n, a) -> out.add(new DenseBlock("adam.v." + n, a)));
    out.add(new DenseBlock("adam.step", step));
    return out;
  }

  /** Overwrites a parameter or optimizer block by name; sizes must match. */
  public void set(DenseBlock block) {
    float[] target = resolve(block.name());
    if (target == null) {
      throw new IllegalArgumentException("unknown dense block '" + block.name() + "'");
    }
    if (target.length != block.size()) {
      throw new IllegalArgumentException(
          "dense block " + block.name() + " has " + target.length + " floats, got " + block.size());
    }
    System.arraycopy(block.values(), 0, target, 0, target.length);
  }

  /** Total parameter floats. */
  public int parameterCount() {
    return params.values().stream().mapToInt(a -> a.length).sum();
  }

  float[] live(String name) {
    float[] a = params.get(name);
    if (a == null) {
      throw new IllegalArgumentException("unknown dense block '" + name + "'");
    }
    return a;
  }

  Map<String, float[]> liveParams() {
    return params;
  }

  float[] firstMoment(String name) {
    return firstMoments.get(name);
  }

  float[] secondMoment(String name) {
    return secondMoments.get(name);
  }

  float[] stepCell() {
    return step;
  }

  private float[] resolve(String name) {
    if (name.equals("adam.step")) {
      return step;
    }
    if (name.startsWith("adam.m.")) {
      return firstMoments.get(name.substring(7));
    }
    if (name.startsWith("adam.v.")) {
      return secondMoments.get(name.substring(7));
    }
    return params.get(name);
  }
}
