package io.darestream.serving.live;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads the packed little-endian float32 rows of {@code DeltaRow.values}. */
public final class PackedFloats {
  private PackedFloats() {}

  /**
   * Decodes {@code dim} floats.
   *
   * @throws IllegalArgumentException if the buffer does not hold exactly {@code 4 * dim} bytes
   */
  public static float[] decode(ByteBuffer bytes, int dim) {
    ByteBuffer b = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() != 4 * dim) {
      throw new IllegalArgumentException(
          "row holds " + b.remaining() + " bytes, expected " + (4 * dim) + " for dim " + dim);
    }
    float[] out = new float[dim];
    b.asFloatBuffer().get(out);
    return out;
  }

  /** Encodes floats the way the trainer does (for tests and tools). */
  public static ByteBuffer encode(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b;
  }
}
