package io.darestream.jobs.ingest;

import io.darestream.jobs.serde.ValueSerializer;
import io.darestream.schemas.avro.BehaviorEvent;
import io.darestream.schemas.avro.BehaviorType;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Field-by-field serializer of a {@link BehaviorEvent} for the exchange between the ingest and the
 * sequence operators (the {@code keyBy}), never for state.
 *
 * <p>Why not Avro here: profiling the ingest path showed the single-object Avro encode and decode
 * (fingerprint lookup, resolving reader, a byte array per record) on both sides of the exchange,
 * for data that never leaves the job. Both ends of an exchange run the same build, so the layout
 * needs no schema: event id, user, item, category, type ordinal, event time, optional request id. A
 * field added to the Avro schema must be added here; {@code SerializersTest} fails until it is.
 */
public final class BehaviorEventSerializer extends ValueSerializer<BehaviorEvent> {
  private static final long serialVersionUID = 1L;

  public static final BehaviorEventSerializer INSTANCE = new BehaviorEventSerializer();

  private static final BehaviorType[] TYPES = BehaviorType.values();

  private BehaviorEventSerializer() {
    super(false, Snapshot.class);
  }

  @Override
  public BehaviorEvent copy(BehaviorEvent from) {
    return from == null ? null : BehaviorEvent.newBuilder(from).build();
  }

  @Override
  public void serialize(BehaviorEvent e, DataOutputView out) throws IOException {
    StringValue.writeString(e.getEventId(), out);
    out.writeLong(e.getUserId());
    out.writeLong(e.getItemId());
    out.writeLong(e.getCategoryId());
    out.writeByte(e.getType().ordinal());
    out.writeLong(e.getEventTimeMs());
    String request = e.getRequestId();
    out.writeBoolean(request != null);
    if (request != null) {
      StringValue.writeString(request, out);
    }
  }

  @Override
  public BehaviorEvent deserialize(DataInputView in) throws IOException {
    BehaviorEvent e = new BehaviorEvent();
    e.setEventId(StringValue.readString(in));
    e.setUserId(in.readLong());
    e.setItemId(in.readLong());
    e.setCategoryId(in.readLong());
    int type = in.readByte();
    if (type < 0 || type >= TYPES.length) {
      throw new IOException("unknown behaviour type ordinal " + type);
    }
    e.setType(TYPES[type]);
    e.setEventTimeMs(in.readLong());
    e.setRequestId(in.readBoolean() ? StringValue.readString(in) : null);
    return e;
  }

  /** Snapshot of the stateless serializer; a layout change gets a new snapshot version. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<BehaviorEvent> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
