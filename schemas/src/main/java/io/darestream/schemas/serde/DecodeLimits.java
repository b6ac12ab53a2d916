package io.darestream.schemas.serde;

/**
 * How much one record may make a decoder allocate. Checked by {@link AvroCodec} before Avro sees
 * the bytes: a payload over {@link #maxRecordBytes}, a string or bytes field longer than {@link
 * #maxStringBytes} or than the bytes left in the record, an array or map with more than {@link
 * #maxItems} items (or more than the bytes left could hold), or nesting deeper than {@link
 * #maxDepth} is refused with {@link DecodeException.Reason#TOO_LARGE} or {@link
 * DecodeException.Reason#BAD_LENGTH}.
 *
 * <p>Why all four: a claimed length is checked against the bytes present, so no field can claim
 * more memory than the record's own size; the record size bounds that; the item count bounds the
 * objects an array of tiny items makes (each item costs a Java object, not a byte); the depth
 * bounds the stack a nested (recursive) writer schema could use.
 *
 * @param maxRecordBytes largest accepted payload, header included
 * @param maxStringBytes longest accepted string or bytes value
 * @param maxItems most items accepted in one array or map
 * @param maxDepth deepest accepted nesting of records, arrays, maps and unions
 */
public record DecodeLimits(int maxRecordBytes, int maxStringBytes, int maxItems, int maxDepth) {
  /** For records without a tighter bound: 1 MiB, as Kafka's default largest message. */
  public static final DecodeLimits DEFAULT = new DecodeLimits(1 << 20, 1 << 20, 65_536, 32);

  public DecodeLimits {
    if (maxRecordBytes < AvroCodec.HEADER_LENGTH) {
      throw new IllegalArgumentException(
          "maxRecordBytes must be >= " + AvroCodec.HEADER_LENGTH + ", got " + maxRecordBytes);
    }
    if (maxStringBytes < 0 || maxItems < 0) {
      throw new IllegalArgumentException(
          "maxStringBytes and maxItems must be >= 0, got " + maxStringBytes + ", " + maxItems);
    }
    if (maxDepth < 1) {
      throw new IllegalArgumentException("maxDepth must be >= 1, got " + maxDepth);
    }
  }
}
