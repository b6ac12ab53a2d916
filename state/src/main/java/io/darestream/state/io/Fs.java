package io.darestream.state.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * File-system steps that make persisted formats crash-safe: fsync of files and directories, atomic
 * rename, copy-then-fsync, SHA-256, recursive delete.
 */
public final class Fs {
  private Fs() {}

  /** Forces a file's content to disk. */
  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /**
   * Forces a directory entry (creations, renames) to disk. Linux allows opening a directory for
   * reading and forcing it; elsewhere this is best effort.
   */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
        return;
      }
      throw e;
    }
  }

  /** Renames atomically; fails rather than falling back to a non-atomic move. */
  public static void atomicRename(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("atomic rename " + from + " -> " + to + " not supported here", e);
    }
    fsyncDirectory(to.toAbsolutePath().getParent());
  }

  /** Copies {@code from} to {@code to} (which must not exist) and fsyncs the copy. */
  public static void copyAndSync(Path from, Path to) throws IOException {
    Files.copy(from, to);
    fsync(to);
  }

  /**
   * Copies {@code from} to {@code to} (which must not exist), fsyncs the copy and returns the
   * lower-case hex SHA-256 of the bytes copied: one read of the source for both.
   */
  public static String copyAndSyncWithDigest(Path from, Path to) throws IOException {
    MessageDigest md = sha256Digest();
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (in.read(buf) >= 0) {
        buf.flip();
        md.update(buf.array(), 0, buf.limit());
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        buf.clear();
      }
      out.force(true);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Hard-links {@code to} to {@code from} where possible (immutable files), else copies. */
  public static void linkOrCopy(Path from, Path to) throws IOException {
    try {
      Files.createLink(to, from);
    } catch (UnsupportedOperationException | IOException e) {
      Files.deleteIfExists(to);
      copyAndSync(from, to);
    }
  }

  /** Writes {@code content} to a new file and fsyncs it. */
  public static void writeAndSync(Path file, byte[] content) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  /** Lower-case hex SHA-256 of a file. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md = sha256Digest();
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  public static String sha256(byte[] bytes, int off, int len) {
    MessageDigest md = sha256Digest();
    md.update(bytes, off, len);
    return HexFormat.of().formatHex(md.digest());
  }

  /** Deletes a file or a directory tree; absent is fine. */
  public static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
