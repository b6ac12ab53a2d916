package io.darestream.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * One labelled example: a user, a target (item, category), a 0/1 label and the user's history as of
 * the event, <b>newest first</b>: {@code historyItem(i)} has relative position {@code i + 1}, the
 * target has position 0 (DARE paper Section 4, token = item, category, position).
 *
 * <p>Immutable: the arrays are copied in and never handed out (use the index accessors on hot
 * paths, or the copying {@link #historyItems()}).
 */
public final class TrainingSample {
  private final long userId;
  private final long targetItem;
  private final long targetCategory;
  private final int label;
  private final long eventTimeMs;
  private final long ingestTimeMs;
  private final long[] historyItems;
  private final long[] historyCategories;

  /**
   * @param historyItems newest first; copied
   * @param historyCategories same length as {@code historyItems}; copied
   * @param label 0 or 1
   * @param ingestTimeMs when the event entered Kafka, for freshness; may equal {@code eventTimeMs}
   */
  public TrainingSample(
      long userId,
      long targetItem,
      long targetCategory,
      int label,
      long eventTimeMs,
      long ingestTimeMs,
      long[] historyItems,
      long[] historyCategories) {
    Objects.requireNonNull(historyItems, "historyItems");
    Objects.requireNonNull(historyCategories, "historyCategories");
    if (historyItems.length != historyCategories.length) {
      throw new IllegalArgumentException(
          "historyItems has "
              + historyItems.length
              + " entries but historyCategories has "
              + historyCategories.length);
    }
    if (label != 0 && label != 1) {
      throw new IllegalArgumentException("label must be 0 or 1, got " + label);
    }
    this.userId = userId;
    this.targetItem = targetItem;
    this.targetCategory = targetCategory;
    this.label = label;
    this.eventTimeMs = eventTimeMs;
    this.ingestTimeMs = ingestTimeMs;
    this.historyItems = historyItems.clone();
    this.historyCategories = historyCategories.clone();
  }

  /** The same user and history with another target and label (e.g. a sampled negative). */
  public TrainingSample withTarget(long item, long category, int newLabel) {
    // Shares the (never exposed, never written) history arrays: no copy, and the trainer can tell
    // by reference that the samples share a history (see sameHistory).
    return new TrainingSample(this, item, category, newLabel);
  }

  private TrainingSample(TrainingSample base, long item, long category, int newLabel) {
    if (newLabel != 0 && newLabel != 1) {
      throw new IllegalArgumentException("label must be 0 or 1, got " + newLabel);
    }
    this.userId = base.userId;
    this.targetItem = item;
    this.targetCategory = category;
    this.label = newLabel;
    this.eventTimeMs = base.eventTimeMs;
    this.ingestTimeMs = base.ingestTimeMs;
    this.historyItems = base.historyItems;
    this.historyCategories = base.historyCategories;
  }

  /**
   * Whether {@code other} has the same history (items and categories); true at once for samples
   * made from one another with {@link #withTarget}.
   */
  public boolean sameHistory(TrainingSample other) {
    if (historyItems == other.historyItems && historyCategories == other.historyCategories) {
      return true;
    }
    return Arrays.equals(historyItems, other.historyItems)
        && Arrays.equals(historyCategories, other.historyCategories);
  }

  public long userId() {
    return userId;
  }

  public long targetItem() {
    return targetItem;
  }

  public long targetCategory() {
    return targetCategory;
  }

  public int label() {
    return label;
  }

  public long eventTimeMs() {
    return eventTimeMs;
  }

  public long ingestTimeMs() {
    return ingestTimeMs;
  }

  public int historyLength() {
    return historyItems.length;
  }

  /** Item of the behaviour at index {@code i} (relative position {@code i + 1}). */
  public long historyItem(int i) {
    return historyItems[i];
  }

  /** Category of the behaviour at index {@code i} (relative position {@code i + 1}). */
  public long historyCategory(int i) {
    return historyCategories[i];
  }

  /** A copy of the history items, newest first. */
  public long[] historyItems() {
    return historyItems.clone();
  }

  /** A copy of the history categories, newest first. */
  public long[] historyCategories() {
    return historyCategories.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TrainingSample s)) {
      return false;
    }
    return userId == s.userId
        && targetItem == s.targetItem
        && targetCategory == s.targetCategory
        && label == s.label
        && eventTimeMs == s.eventTimeMs
        && ingestTimeMs == s.ingestTimeMs
        && Arrays.equals(historyItems, s.historyItems)
        && Arrays.equals(historyCategories, s.historyCategories);
  }

  @Override
  public int hashCode() {
    int h = Objects.hash(userId, targetItem, targetCategory, label, eventTimeMs, ingestTimeMs);
    h = 31 * h + Arrays.hashCode(historyItems);
    return 31 * h + Arrays.hashCode(historyCategories);
  }

  @Override
  public String toString() {
    return "TrainingSample{user="
        + userId
        + ", target="
        + targetItem
        + "/"
        + targetCategory
        + ", label="
        + label
        + ", t="
        + eventTimeMs
        + ", history="
        + historyItems.length
        + "}";
  }
}
