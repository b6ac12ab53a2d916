package io.darestream.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named block of dense parameters (or dense optimizer state) as a copy, for persisting and
 * publishing. Layouts are documented on {@link DenseParameters}.
 */
public final class DenseBlock {
  private final String name;
  private final float[] values;

  public DenseBlock(String name, float[] values) {
    this.name = Objects.requireNonNull(name, "name");
    this.values = values.clone();
  }

  public String name() {
    return name;
  }

  /** A copy of the values. */
  public float[] values() {
    return values.clone();
  }

  public int size() {
    return values.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseBlock b && name.equals(b.name) && Arrays.equals(values, b.values);
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "DenseBlock{" + name + ", " + values.length + " floats}";
  }
}
