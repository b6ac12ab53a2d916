package io.darestream.state.model;

import io.darestream.state.codec.ByteReader;
import io.darestream.state.codec.ByteWriter;
import io.darestream.state.codec.CorruptDataException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tables of a {@link ModelStore} and the fixed row width (in floats) of each. A row may hold
 * the embedding and its optimizer slots side by side; the store does not interpret the floats.
 * Persisted in the store (magic {@code DAML}, version 1) and checked when the store is reopened.
 */
public final class ModelStoreLayout {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  private static final byte[] MAGIC = {'D', 'A', 'M', 'L'};
  private static final int VERSION = 1;

  private final Map<String, Integer> widths;

  private ModelStoreLayout(Map<String, Integer> widths) {
    this.widths = Collections.unmodifiableMap(new LinkedHashMap<>(widths));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Table name to row width in floats, in declaration order. */
  public Map<String, Integer> widths() {
    return widths;
  }

  /** Row width of {@code table}; throws if the layout has no such table. */
  public int width(String table) {
    Integer w = widths.get(table);
    if (w == null) {
      throw new IllegalArgumentException(
          "unknown table '" + table + "'; tables: " + widths.keySet());
    }
    return w;
  }

  byte[] encode() {
    ByteWriter w = new ByteWriter(64);
    w.writeBytes(MAGIC, 0, MAGIC.length);
    w.writeByte(VERSION);
    w.writeUVarint(widths.size());
    for (Map.Entry<String, Integer> e : widths.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      w.writeUVarint(name.length);
      w.writeBytes(name, 0, name.length);
      w.writeUVarint(e.getValue());
    }
    return w.toByteArray();
  }

  static ModelStoreLayout decode(byte[] bytes) {
    ByteReader r = new ByteReader(bytes);
    for (byte m : MAGIC) {
      if (r.remaining() == 0 || (byte) r.readByte() != m) {
        throw new CorruptDataException("model store layout: bad magic");
      }
    }
    int version = r.readByte();
    if (version != VERSION) {
      throw new CorruptDataException("model store layout: unknown version " + version);
    }
    Builder b = builder();
    int n = r.readUVarintInt(10_000, "table count");
    for (int i = 0; i < n; i++) {
      int len = r.readUVarintInt(100, "name length");
      int off = r.position();
      r.skip(len);
      String name = new String(bytes, off, len, StandardCharsets.UTF_8);
      b.addTable(name, r.readUVarintInt(1 << 20, "width"));
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelStoreLayout l && l.widths.equals(widths);
  }

  @Override
  public int hashCode() {
    return widths.hashCode();
  }

  @Override
  public String toString() {
    return "ModelStoreLayout" + widths;
  }

  /** Collects tables; {@link #build()} requires at least one. */
  public static final class Builder {
    private final Map<String, Integer> widths = new LinkedHashMap<>();

    private Builder() {}

    /** Adds a table, e.g. {@code addTable("att.item", 16 + 16)} for a row plus one slot. */
    public Builder addTable(String name, int widthInFloats) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "table name must match " + NAME.pattern() + ", got '" + name + "'");
      }
      if (widthInFloats < 1 || widthInFloats > (1 << 20)) {
        throw new IllegalArgumentException("width of '" + name + "' must be in [1, 2^20]");
      }
      if (widths.putIfAbsent(name, widthInFloats) != null) {
        throw new IllegalArgumentException("table '" + name + "' declared twice");
      }
      return this;
    }

    public ModelStoreLayout build() {
      if (widths.isEmpty()) {
        throw new IllegalArgumentException("At least one table is required but none was added.");
      }
      return new ModelStoreLayout(widths);
    }
  }
}
