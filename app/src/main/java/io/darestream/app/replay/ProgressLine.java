package io.darestream.app.replay;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * One status line that rewrites itself on a terminal ({@code \r}) and, when output goes to a file
 * or a container log, prints a new line only every {@code logEveryNanos} so logs stay readable.
 */
public final class ProgressLine {
  private final PrintWriter out;
  private final boolean terminal;
  private final long everyNanos;
  private long lastNanos = Long.MIN_VALUE;
  private int lastLength;

  public ProgressLine(PrintWriter out, boolean terminal, long everyNanos) {
    this.out = out;
    this.terminal = terminal;
    this.everyNanos = everyNanos;
  }

  public ProgressLine(PrintStream out, boolean terminal, long everyNanos) {
    this(new PrintWriter(out, true), terminal, everyNanos);
  }

  /**
   * A line on {@code err} (a command's error writer): rewritten twice a second when the JVM has a
   * terminal, else printed every 10 s.
   */
  public static ProgressLine on(PrintWriter err) {
    boolean terminal = System.console() != null;
    return new ProgressLine(err, terminal, terminal ? 500_000_000L : 10_000_000_000L);
  }

  /** True if the caller should build a new text now (cheap to call per event). */
  public boolean due() {
    long now = System.nanoTime();
    return lastNanos == Long.MIN_VALUE || now - lastNanos >= everyNanos;
  }

  /** Shows {@code text} if it is {@link #due()}. */
  public synchronized void update(String text) {
    if (!due()) {
      return;
    }
    lastNanos = System.nanoTime();
    print(text, false);
  }

  /** Shows {@code text} now and ends the line. */
  public synchronized void finish(String text) {
    print(text, true);
    lastNanos = Long.MIN_VALUE;
    lastLength = 0;
  }

  /** Ends a rewritten line so that other output starts on a fresh one. */
  public synchronized void breakLine() {
    if (terminal && lastLength > 0) {
      out.println();
      lastLength = 0;
    }
  }

  private void print(String text, boolean end) {
    if (terminal) {
      String pad = lastLength > text.length() ? " ".repeat(lastLength - text.length()) : "";
      out.print("\r" + text + pad);
      lastLength = text.length();
      if (end) {
        out.println();
        lastLength = 0;
      }
    } else {
      out.println(text);
    }
    out.flush();
  }
}
