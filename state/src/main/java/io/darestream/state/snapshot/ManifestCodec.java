package io.darestream.state.snapshot;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.io.ChecksummedText;
import io.darestream.state.snapshot.SnapshotRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads and writes a manifest file: {@code <format> <version>}, one JSON line, checksum. One codec
 * for a snapshot's {@code MANIFEST} ({@link #SNAPSHOT}) and a snapshot part's {@code PART} ({@link
 * #PART}), so that both are read with the same checks and refused with the same reasons.
 *
 * @param <T> the manifest type
 * @param fileName the manifest's file name in the snapshot's (or part's) directory
 * @param format the first word of the file
 * @param version the only format version this code writes and reads
 * @param type the JSON body's type
 * @param label what the manifest is called in messages
 */
record ManifestCodec<T>(String fileName, String format, int version, Class<T> type, String label) {
  static final ManifestCodec<SnapshotManifest> SNAPSHOT =
      new ManifestCodec<>(
          "MANIFEST", "DARE-SNAPSHOT-MANIFEST", 1, SnapshotManifest.class, "manifest");
  static final ManifestCodec<SnapshotPartManifest> PART =
      new ManifestCodec<>(
          "PART", "DARE-SNAPSHOT-PART", 1, SnapshotPartManifest.class, "part manifest");

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** The checks of a parsed manifest's fields; a failure makes the manifest corrupt. */
  interface FieldCheck<T> {
    void check(T manifest) throws IOException;
  }

  byte[] render(T m) {
    try {
      return ChecksummedText.render(format, version, JSON.writeValueAsString(m) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(label + " not serializable", e);
    }
  }

  /**
   * Reads and checks the manifest in {@code dir} (format, version, checksum, then {@code fields}),
   * not the files it lists.
   *
   * @throws SnapshotRejectedException PARTIAL if it is missing or unreadable, UNKNOWN_VERSION, or
   *     CORRUPT
   */
  T read(Path dir, FieldCheck<T> fields) {
    Path file = dir.resolve(fileName);
    if (!Files.isRegularFile(file)) {
      throw new SnapshotRejectedException(dir, Reason.PARTIAL, "no " + fileName);
    }
    ChecksummedText.Content content;
    try {
      content = ChecksummedText.read(file, format);
    } catch (CorruptDataException e) {
      throw new SnapshotRejectedException(dir, Reason.CORRUPT, e.getMessage());
    } catch (IOException e) {
      throw new SnapshotRejectedException(dir, Reason.PARTIAL, "cannot read manifest: " + e);
    }
    if (content.version() != version) {
      throw new SnapshotRejectedException(
          dir,
          Reason.UNKNOWN_VERSION,
          label + " format version " + content.version() + ", this reader knows " + version);
    }
    try {
      T m = JSON.readValue(content.body(), type);
      fields.check(m);
      return m;
    } catch (IOException | RuntimeException e) {
      throw new SnapshotRejectedException(dir, Reason.CORRUPT, "bad " + label + " content: " + e);
    }
  }
}
