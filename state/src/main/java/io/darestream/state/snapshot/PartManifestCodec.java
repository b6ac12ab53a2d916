package io.darestream.state.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.darestream.state.io.ChecksummedText;

/** Reads and writes {@code PART}: {@code DARE-SNAPSHOT-PART 1}, one JSON line, checksum. */
final class PartManifestCodec {
  static final String FILE_NAME = "PART";
  static final String FORMAT = "DARE-SNAPSHOT-PART";
  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private PartManifestCodec() {}

  static byte[] render(SnapshotPartManifest m) {
    try {
      return ChecksummedText.render(FORMAT, VERSION, JSON.writeValueAsString(m) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("part manifest not serializable", e);
    }
  }

  static SnapshotPartManifest parseBody(String body) throws java.io.IOException {
    return JSON.readValue(body, SnapshotPartManifest.class);
  }
}
