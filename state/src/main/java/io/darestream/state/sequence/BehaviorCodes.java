package io.darestream.state.sequence;

import io.darestream.schemas.avro.BehaviorType;

/**
 * Stable 3-bit codes of {@link BehaviorType} for the packed formats. Explicit rather than the
 * enum's ordinal, so that a reordered or extended Avro enum cannot silently change stored data.
 */
public final class BehaviorCodes {
  /** Number of distinct codes the packed formats can hold (3 bits). */
  public static final int CODE_LIMIT = 8;

  private static final BehaviorType[] BY_CODE = {
    BehaviorType.UNKNOWN,
    BehaviorType.IMPRESSION,
    BehaviorType.CLICK,
    BehaviorType.PV,
    BehaviorType.CART,
    BehaviorType.FAV,
    BehaviorType.BUY,
  };

  private BehaviorCodes() {}

  public static byte code(BehaviorType type) {
    return switch (type) {
      case UNKNOWN -> 0;
      case IMPRESSION -> 1;
      case CLICK -> 2;
      case PV -> 3;
      case CART -> 4;
      case FAV -> 5;
      case BUY -> 6;
    };
  }

  /** The type of {@code code}; codes this version does not know map to UNKNOWN. */
  public static BehaviorType type(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : BehaviorType.UNKNOWN;
  }
}
