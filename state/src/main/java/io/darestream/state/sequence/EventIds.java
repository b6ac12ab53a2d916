package io.darestream.state.sequence;

import java.nio.charset.StandardCharsets;

/**
 * 64-bit hashes of event ids, the form in which sequences remember recent ids for dedup (8 bytes
 * each, whatever the id's length). FNV-1a over the UTF-8 bytes, then a SplitMix64 finaliser so that
 * sequential ids spread; 0 is reserved for "no id" and never returned.
 */
public final class EventIds {
  private EventIds() {}

  public static long hash64(String eventId) {
    byte[] bytes = eventId.getBytes(StandardCharsets.UTF_8);
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xFF;
      h *= 0x100000001b3L;
    }
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return h == 0 ? 1 : h;
  }
}
