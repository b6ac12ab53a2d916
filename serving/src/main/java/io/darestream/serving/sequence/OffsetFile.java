package io.darestream.serving.sequence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.apache.kafka.common.TopicPartition;

/**
 * The {@code behavior-events} positions that the local sequence store already holds, kept next to
 * it so that a restart resumes where it stopped instead of replaying the whole topic. Text: a
 * {@code DARE-SERVING-OFFSETS <version>} line, one {@code topic partition offset} line per
 * partition, then {@code crc32 <hex>} of everything before; written to a temporary file and
 * renamed.
 */
public final class OffsetFile {
  static final String MAGIC = "DARE-SERVING-OFFSETS";
  static final int VERSION = 1;

  private final Path file;

  public OffsetFile(Path file) {
    this.file = file;
  }

  /** The stored positions; empty if there is no file yet. */
  public Map<TopicPartition, Long> read() throws IOException {
    if (!Files.exists(file)) {
      return Map.of();
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int trailer = text.lastIndexOf("crc32 ");
    if (trailer < 0 || !text.endsWith("\n")) {
      throw new IOException(file + ": truncated offset file (no checksum line)");
    }
    String body = text.substring(0, trailer);
    if (!crc(body).equals(text.substring(trailer + 6, text.length() - 1))) {
      throw new IOException(file + ": offset file checksum mismatch");
    }
    String[] lines = body.split("\n");
    if (!lines[0].equals(MAGIC + " " + VERSION)) {
      throw new IOException(file + ": not a version " + VERSION + " offset file: " + lines[0]);
    }
    Map<TopicPartition, Long> out = new TreeMap<>(OffsetFile::compare);
    for (int i = 1; i < lines.length; i++) {
      String[] f = lines[i].split(" ");
      if (f.length != 3) {
        throw new IOException(file + ": bad line " + (i + 1) + ": " + lines[i]);
      }
      out.put(new TopicPartition(f[0], Integer.parseInt(f[1])), Long.parseLong(f[2]));
    }
    return out;
  }

  /** Replaces the file with {@code positions}, atomically. */
  public void write(Map<TopicPartition, Long> positions) throws IOException {
    StringBuilder sb = new StringBuilder(MAGIC).append(' ').append(VERSION).append('\n');
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
    String body = sb.toString();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, body + "crc32 " + crc(body) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String crc(String s) {
    CRC32 c = new CRC32();
    c.update(s.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(c.getValue());
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int t = a.topic().compareTo(b.topic());
    return t != 0 ? t : Integer.compare(a.partition(), b.partition());
  }
}
