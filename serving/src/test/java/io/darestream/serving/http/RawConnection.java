package io.darestream.serving.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A raw HTTP/1.1 client socket for the cases no well-behaved client produces: requests sent in part
 * and left hanging, bad framing, bodies far over the limit.
 */
final class RawConnection implements AutoCloseable {
  private final Socket socket;

  RawConnection(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setTcpNoDelay(true);
  }

  RawConnection send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawConnection send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return this;
  }

  /** Ends the request stream, as a client that gives up sending does. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /**
   * Whether the server has neither answered nor closed: a read finds nothing within a moment. (No
   * data is not a timing claim here: a server that answered or closed makes the read return.)
   */
  boolean stillWaiting() throws IOException {
    socket.setSoTimeout(20);
    try {
      socket.getInputStream().read(); // data (an answer) or end of stream (closed)
      return false;
    } catch (SocketTimeoutException e) {
      return true;
    } catch (IOException e) {
      return false; // reset by the server
    }
  }

  /**
   * Everything the server sends until it closes the connection; fails if it has not closed within
   * {@code atMost} (a bound, not a measurement).
   */
  String readUntilClosed(Duration atMost) throws IOException {
    socket.setSoTimeout((int) atMost.toMillis());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server did not close the connection within " + atMost, e);
    } catch (IOException e) {
      // A reset after the response: what was read before it is the answer.
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads until the end of the response headers and whatever body bytes came with them. */
  String readResponseStart(Duration atMost) throws IOException {
    socket.setSoTimeout((int) atMost.toMillis());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = socket.getInputStream();
    byte[] buf = new byte[8192];
    while (!out.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
