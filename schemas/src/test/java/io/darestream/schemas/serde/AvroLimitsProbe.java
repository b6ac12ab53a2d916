package io.darestream.schemas.serde;

import io.darestream.schemas.testing.AvroBytes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.DecoderFactory;

/**
 * Run by {@link AvroSystemLimitsTest} in a fresh JVM without Avro's limit properties: once a codec
 * exists, a plain Avro reader (one that bypasses the codec's scan) refuses a string claiming 100
 * MB. Prints one {@code key=value} per line.
 */
public final class AvroLimitsProbe {
  private AvroLimitsProbe() {}

  public static void main(String[] args) throws Exception {
    System.out.println("property=" + System.getProperty(AvroSystemLimits.STRING_PROPERTY));
    Codecs.BEHAVIOR_EVENT.fingerprint(); // the first codec, as in any process of the project
    byte[] claim = AvroBytes.concat(AvroBytes.varLong(100_000_000L), new byte[8]);
    try {
      new GenericDatumReader<>(Schema.create(Schema.Type.STRING))
          .read(null, DecoderFactory.get().binaryDecoder(claim, null));
      System.out.println("plain=decoded");
    } catch (Exception e) {
      System.out.println("plain=" + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
