package io.darestream.schemas.serde;

import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Run by {@link AvroTrustTest} in a fresh JVM without the trusted-packages property: shows what a
 * plain Avro decoder does there, then what a codec does. Prints one {@code key=value} per line.
 */
public final class AvroTrustProbe {
  private AvroTrustProbe() {}

  public static void main(String[] args) throws Exception {
    System.out.println("property=" + System.getProperty(AvroTrust.PROPERTY));
    // Initialise Avro's validator first, as any Avro reader running before our codecs would.
    ClassSecurityValidator.getGlobal();
    byte[] bytes = BehaviorEvent.getEncoder().encode(sample()).array();
    try {
      new BinaryMessageDecoder<BehaviorEvent>(SpecificData.get(), BehaviorEvent.getClassSchema())
          .decode(bytes);
      System.out.println("plain=ok");
    } catch (SecurityException e) {
      System.out.println("plain=" + e.getMessage());
    }
    BehaviorEvent decoded = AvroCodec.of(BehaviorEvent.class).decode(bytes);
    System.out.println("codec=" + decoded.getEventId() + "," + decoded.getType());
  }

  private static BehaviorEvent sample() {
    return new BehaviorEvent("probe-1", 1L, 2L, 3L, BehaviorType.FAV, 1_511_568_000_000L, null);
  }
}
