package io.darestream.jobs.ingest;

import io.darestream.jobs.serde.SerializerTypeInfo;
import io.darestream.jobs.serde.ValueSerializer;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializer of {@link IngestRecord}: coordinates and raw bytes only; the event is decoded again on
 * read (decoding is a pure function of the bytes). Used only if the source and the ingest function
 * are not chained; normally records pass by reference.
 */
public final class IngestRecordSerializer extends ValueSerializer<IngestRecord> {
  private static final long serialVersionUID = 1L;

  public static final IngestRecordSerializer INSTANCE = new IngestRecordSerializer();

  public static final TypeInformation<IngestRecord> TYPE_INFO =
      new SerializerTypeInfo<>(IngestRecord.class, INSTANCE);

  private static final EventDecoder DECODER = new EventDecoder();

  private IngestRecordSerializer() {
    super(true, Snapshot.class);
  }

  @Override
  public void serialize(IngestRecord r, DataOutputView out) throws IOException {
    out.writeUTF(r.topic());
    out.writeInt(r.partition());
    out.writeLong(r.offset());
    out.writeLong(r.kafkaTimestampMs());
    writeBytes(r.key(), out);
    writeBytes(r.value(), out);
  }

  @Override
  public IngestRecord deserialize(DataInputView in) throws IOException {
    String topic = in.readUTF();
    int partition = in.readInt();
    long offset = in.readLong();
    long timestamp = in.readLong();
    byte[] key = readBytes(in);
    byte[] value = readBytes(in);
    return DECODER.decode(topic, partition, offset, timestamp, key, value);
  }

  private static void writeBytes(byte[] bytes, DataOutputView out) throws IOException {
    if (bytes == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(bytes.length);
      out.write(bytes);
    }
  }

  private static byte[] readBytes(DataInputView in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  /** Snapshot for the (stateless) serializer. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<IngestRecord> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
