package io.darestream.serving.sequence;

import io.darestream.state.codec.CorruptDataException;
import io.darestream.state.io.ChecksummedText;
import io.darestream.state.io.Fs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@code behavior-events} positions that the local sequence store already holds, kept next to
 * it so that a restart resumes where it stopped instead of replaying the whole topic. A {@link
 * ChecksummedText} file ({@code DARE-SERVING-OFFSETS 2}, one {@code topic partition offset} line
 * per partition), written to a temporary file, synced and renamed.
 */
public final class OffsetFile {
  static final String MAGIC = "DARE-SERVING-OFFSETS";
  static final int VERSION = 2;

  /** Version 1 ended with a CRC-32 line instead of the SHA-256 trailer; still read. */
  private static final String V1_HEADER = MAGIC + " 1\n";

  private final Path file;

  public OffsetFile(Path file) {
    this.file = file;
  }

  /** The stored positions; empty if there is no file yet. */
  public Map<TopicPartition, Long> read() throws IOException {
    if (!Files.exists(file)) {
      return Map.of();
    }
    String body;
    try {
      byte[] bytes = ChecksummedText.readBounded(file, MAGIC);
      body =
          startsWith(bytes, V1_HEADER)
              ? version1Body(new String(bytes, StandardCharsets.UTF_8))
              : checkedBody(bytes);
    } catch (CorruptDataException e) {
      throw new IOException(e.getMessage(), e);
    }
    Map<TopicPartition, Long> out = new TreeMap<>(OffsetFile::compare);
    String[] lines = body.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      String[] f = lines[i].split(" ");
      try {
        if (f.length != 3) {
          throw new NumberFormatException("expected: topic partition offset");
        }
        out.put(new TopicPartition(f[0], Integer.parseInt(f[1])), Long.parseLong(f[2]));
      } catch (NumberFormatException e) {
        throw new IOException(file + ": bad line " + (i + 2) + ": " + lines[i], e);
      }
    }
    return out;
  }

  /** Replaces the file with {@code positions}, atomically. */
  public void write(Map<TopicPartition, Long> positions) throws IOException {
    StringBuilder sb = new StringBuilder();
    Map<TopicPartition, Long> sorted = new TreeMap<>(OffsetFile::compare);
    sorted.putAll(positions);
    sorted.forEach(
        (tp, o) ->
            sb.append(tp.topic())
                .append(' ')
                .append(tp.partition())
                .append(' ')
                .append(o)
                .append('\n'));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Fs.writeAndSync(tmp, ChecksummedText.render(MAGIC, VERSION, sb.toString()));
    Fs.atomicRename(tmp, file);
  }

  private String checkedBody(byte[] bytes) {
    ChecksummedText.Content c = ChecksummedText.parse(bytes, MAGIC, file.toString());
    if (c.version() != VERSION) {
      throw new CorruptDataException(file + ": offset file version " + c.version() + " unknown");
    }
    return c.body();
  }

  private String version1Body(String text) {
    int trailer = text.lastIndexOf("crc32 ");
    if (trailer < 0 || !text.endsWith("\n")) {
      throw new CorruptDataException(file + ": truncated offset file (no checksum line)");
    }
    String head = text.substring(0, trailer);
    CRC32 crc = new CRC32();
    crc.update(head.getBytes(StandardCharsets.UTF_8));
    if (!Long.toHexString(crc.getValue()).equals(text.substring(trailer + 6, text.length() - 1))) {
      throw new CorruptDataException(file + ": offset file checksum mismatch");
    }
    return head.substring(V1_HEADER.length());
  }

  private static boolean startsWith(byte[] bytes, String prefix) {
    byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
    if (bytes.length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (bytes[i] != p[i]) {
        return false;
      }
    }
    return true;
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int t = a.topic().compareTo(b.topic());
    return t != 0 ? t : Integer.compare(a.partition(), b.partition());
  }
}
