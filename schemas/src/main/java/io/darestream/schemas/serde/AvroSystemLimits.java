package io.darestream.schemas.serde;

/**
 * Sets Avro's own decode limits, a second line behind {@link BoundedAvroScan} for Avro readers that
 * do not go through {@link AvroCodec}.
 *
 * <p>Avro reads them from system properties once, when {@code org.apache.avro.SystemLimitException}
 * is initialised, and defaults to about 2 GB per string. So they are set here only if the JVM was
 * not started with them, and take effect only if no Avro decoding ran before the first codec was
 * made; that is why the scan, which does not depend on JVM flags, is the real guard. The values are
 * a ceiling above every codec's {@link DecodeLimits}: a codec configured above them would see its
 * records refused by Avro.
 */
final class AvroSystemLimits {
  /** Longest string or bytes value Avro may allocate (64 MiB). */
  static final int MAX_LENGTH = 64 << 20;

  /** Most items in one Avro array or map. */
  static final int MAX_ITEMS = 16 << 20;

  static final String STRING_PROPERTY = "org.apache.avro.limits.string.maxLength";
  static final String BYTES_PROPERTY = "org.apache.avro.limits.bytes.maxLength";
  static final String ITEMS_PROPERTY = "org.apache.avro.limits.collectionItems.maxLength";

  private AvroSystemLimits() {}

  /** Sets the properties that are not set yet; idempotent. */
  static synchronized void ensure() {
    setIfAbsent(STRING_PROPERTY, MAX_LENGTH);
    setIfAbsent(BYTES_PROPERTY, MAX_LENGTH);
    setIfAbsent(ITEMS_PROPERTY, MAX_ITEMS);
  }

  private static void setIfAbsent(String property, int value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, Integer.toString(value));
    }
  }
}
