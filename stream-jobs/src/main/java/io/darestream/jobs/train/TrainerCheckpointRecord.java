package io.darestream.jobs.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the trainer keeps in Flink operator state per checkpoint: which exported model-store
 * checkpoint belongs to it and the epoch it was taken in. The model itself lives in the export, not
 * in Flink state, so Flink's checkpoint stays small whatever the model's size.
 *
 * <p>Binary form: magic {@code DTCR}, format version, then the fields.
 */
public record TrainerCheckpointRecord(long checkpointId, long epoch, String modelId, long version) {
  private static final int MAGIC = 0x44544352; // "DTCR"
  private static final int FORMAT_VERSION = 1;

  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeLong(checkpointId);
      out.writeLong(epoch);
      out.writeUTF(modelId);
      out.writeLong(version);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes {@link #encode()}'s output.
   *
   * @throws IllegalStateException if the bytes are not a trainer checkpoint record of a known
   *     format version
   */
  public static TrainerCheckpointRecord decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int magic = in.readInt();
      if (magic != MAGIC) {
        throw new IllegalStateException(
            "trainer operator state is not a trainer checkpoint record (magic "
                + Integer.toHexString(magic)
                + ")");
      }
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        throw new IllegalStateException(
            "trainer checkpoint record has format version "
                + version
                + "; this build reads "
                + FORMAT_VERSION);
      }
      return new TrainerCheckpointRecord(in.readLong(), in.readLong(), in.readUTF(), in.readLong());
    } catch (IOException e) {
      throw new IllegalStateException("truncated trainer checkpoint record", e);
    }
  }
}
