package io.darestream.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Encodes and decodes one Avro record type with Avro single-object encoding: two marker bytes (C3
 * 01), the 8-byte CRC-64-AVRO fingerprint of the writer schema, then the binary body.
 *
 * <p>Records written with an older (or newer) schema are resolved against this reader's schema as
 * long as the writer schema is known: the current schema, the schemas shipped in {@link
 * SchemaHistory}, or any passed to {@link #withWriterSchemas}. An unknown fingerprint, a bad header
 * or a body that does not decode raise a {@link DecodeException} with a reason; decoding never
 * returns null.
 *
 * <p>Decoding is bounded by the codec's {@link DecodeLimits}: the payload size is checked first,
 * then {@link BoundedAvroScan} checks every length the body claims against the bytes present and
 * the limits, and only then does Avro decode it. A forged record is refused without allocating what
 * it claims.
 *
 * <p>Thread-safe: Avro's message encoder and decoder keep per-thread buffers.
 *
 * @param <T> the generated record class
 */
public final class AvroCodec<T extends SpecificRecordBase> {
  /** Length of the single-object header: marker (2 bytes) plus fingerprint (8 bytes). */
  public static final int HEADER_LENGTH = 10;

  private final Class<T> type;
  private final Schema schema;
  private final SchemaStore.Cache writerSchemas;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;
  private final DecodeLimits limits;
  private final BoundedAvroScan scan;

  private AvroCodec(Class<T> type, Collection<Schema> extraWriterSchemas, DecodeLimits limits) {
    AvroTrust.ensure();
    AvroSystemLimits.ensure();
    this.type = type;
    this.limits = Objects.requireNonNull(limits, "limits");
    this.scan = new BoundedAvroScan(limits);
    this.schema = SpecificData.get().getSchema(type);
    this.writerSchemas = new SchemaStore.Cache();
    writerSchemas.addSchema(schema);
    for (Schema s : SchemaHistory.forRecord(schema.getFullName())) {
      writerSchemas.addSchema(s);
    }
    for (Schema s : extraWriterSchemas) {
      if (!s.getFullName().equals(schema.getFullName())) {
        throw new IllegalArgumentException(
            "Writer schema " + s.getFullName() + " is not a version of " + schema.getFullName());
      }
      writerSchemas.addSchema(s);
    }
    SpecificData model = SpecificData.getForClass(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, writerSchemas);
  }

  /**
   * A codec for {@code type} that knows its current schema and the shipped history, with {@link
   * DecodeLimits#DEFAULT}.
   */
  public static <T extends SpecificRecordBase> AvroCodec<T> of(Class<T> type) {
    return of(type, DecodeLimits.DEFAULT);
  }

  /** A codec for {@code type} that decodes within {@code limits}. */
  public static <T extends SpecificRecordBase> AvroCodec<T> of(Class<T> type, DecodeLimits limits) {
    return new AvroCodec<>(type, List.of(), limits);
  }

  /**
   * A codec that additionally resolves records written with {@code writerSchemas} (for example the
   * schema of a newer producer, registered so that this older reader can skip its new fields).
   */
  public static <T extends SpecificRecordBase> AvroCodec<T> withWriterSchemas(
      Class<T> type, Collection<Schema> writerSchemas) {
    return withWriterSchemas(type, writerSchemas, DecodeLimits.DEFAULT);
  }

  /** As {@link #withWriterSchemas(Class, Collection)}, decoding within {@code limits}. */
  public static <T extends SpecificRecordBase> AvroCodec<T> withWriterSchemas(
      Class<T> type, Collection<Schema> writerSchemas, DecodeLimits limits) {
    return new AvroCodec<>(type, List.copyOf(writerSchemas), limits);
  }

  public Class<T> type() {
    return type;
  }

  public Schema schema() {
    return schema;
  }

  /** What one record may make this codec allocate. */
  public DecodeLimits limits() {
    return limits;
  }

  /** CRC-64-AVRO fingerprint of this reader's (and writer's) schema. */
  public long fingerprint() {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  /** Encodes {@code record} with the current schema. */
  public byte[] encode(T record) {
    Objects.requireNonNull(record, "record");
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException | AvroRuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot encode " + schema.getName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes one single-object-encoded record.
   *
   * @throws DecodeException if the bytes are empty, larger than {@link
   *     DecodeLimits#maxRecordBytes}, do not carry the single-object header, were written with a
   *     schema this codec does not know, claim lengths they do not hold or the limits do not allow,
   *     or do not decode
   */
  public T decode(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new DecodeException(
          DecodeException.Reason.EMPTY,
          "Empty payload where a " + schema.getName() + " was expected");
    }
    if (bytes.length < HEADER_LENGTH || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
      throw new DecodeException(
          DecodeException.Reason.BAD_HEADER,
          "Not Avro single-object encoded: expected marker C3 01 and an 8-byte fingerprint, got "
              + bytes.length
              + " bytes starting "
              + hexPrefix(bytes));
    }
    if (bytes.length > limits.maxRecordBytes()) {
      throw new DecodeException(
          DecodeException.Reason.TOO_LARGE,
          String.format(
              "%s record of %d bytes is larger than the %d bytes accepted",
              schema.getName(), bytes.length, limits.maxRecordBytes()));
    }
    Schema writer = writerSchemas.findByFingerprint(fingerprint(bytes));
    if (writer == null) {
      throw unknownSchema(bytes, null);
    }
    try {
      scan.check(writer, bytes, HEADER_LENGTH);
    } catch (DecodeException e) {
      throw new DecodeException(e.reason(), cannotDecode(bytes) + e.getMessage());
    }
    try {
      T record = decoder.decode(bytes);
      if (record == null) {
        throw new DecodeException(
            DecodeException.Reason.DECODE_FAILED, "Decoder returned no " + schema.getName());
      }
      return record;
    } catch (MissingSchemaException e) {
      throw unknownSchema(bytes, e);
    } catch (BadHeaderException e) {
      throw new DecodeException(DecodeException.Reason.BAD_HEADER, e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw new DecodeException(DecodeException.Reason.DECODE_FAILED, cannotDecode(bytes) + e, e);
    }
  }

  private String cannotDecode(byte[] bytes) {
    return "Cannot decode "
        + schema.getName()
        + " written with schema "
        + fingerprintHex(bytes)
        + ": ";
  }

  private DecodeException unknownSchema(byte[] bytes, Exception cause) {
    return new DecodeException(
        DecodeException.Reason.UNKNOWN_SCHEMA,
        String.format(
            "Unknown writer schema fingerprint %s for %s: register the producer's schema"
                + " (this reader knows %s)",
            fingerprintHex(bytes), schema.getName(), SchemaHistory.describe(schema)),
        cause);
  }

  /** The writer-schema fingerprint in a payload of at least {@link #HEADER_LENGTH} bytes. */
  private static long fingerprint(byte[] bytes) {
    long fp = 0;
    for (int i = 9; i >= 2; i--) { // little-endian
      fp = (fp << 8) | (bytes[i] & 0xFF);
    }
    return fp;
  }

  /** The writer-schema fingerprint in a single-object-encoded payload, as 16 hex digits. */
  static String fingerprintHex(byte[] bytes) {
    if (bytes.length < HEADER_LENGTH) {
      return "<none>";
    }
    return String.format("%016x", fingerprint(bytes));
  }

  private static String hexPrefix(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(4, bytes.length); i++) {
      sb.append(String.format("%02X", bytes[i] & 0xFF));
    }
    return sb.toString();
  }
}
