package io.darestream.state.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.darestream.state.io.ChecksummedText;

/** Reads and writes {@code MANIFEST}: {@code DARE-SNAPSHOT-MANIFEST 1}, one JSON line, checksum. */
final class ManifestCodec {
  static final String FILE_NAME = "MANIFEST";
  static final String FORMAT = "DARE-SNAPSHOT-MANIFEST";
  static final int VERSION = 1;

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private ManifestCodec() {}

  static byte[] render(SnapshotManifest m) {
    try {
      return ChecksummedText.render(FORMAT, VERSION, JSON.writeValueAsString(m) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("manifest not serializable", e);
    }
  }

  static SnapshotManifest parseBody(String body) throws java.io.IOException {
    return JSON.readValue(body, SnapshotManifest.class);
  }
}
