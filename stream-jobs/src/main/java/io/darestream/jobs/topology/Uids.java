package io.darestream.jobs.topology;

/**
 * Stable operator uids of the dare-train job, in one place. A uid ties checkpointed state to its
 * operator across job changes: changing one orphans that state on restore.
 */
public final class Uids {
  public static final String EVENTS_SOURCE = "events-source";
  public static final String INGEST = "ingest";
  public static final String DEAD_LETTER_SINK = "dead-letter-sink";
  public static final String SEQUENCE = "sequence";
  public static final String TRAINER = "trainer";
  public static final String SHARDED_TRAINER = "sharded-trainer";
  public static final String ROW_OWNER = "row-owner";
  public static final String DENSE_AVERAGER = "dense-averager";

  private Uids() {}
}
