package io.darestream.model;

/**
 * Names of the model's table sets, as used by the store, deltas and snapshots.
 *
 * <p>DARE has two independent sets, {@code att.*} (search) and {@code repr.*} (representation).
 * TWIN and TWIN_PROJ have one shared set, {@code shared.*}; TWIN_PROJ's projections are dense
 * blocks ({@code proj.query|key|value|target}). Dense parameters are the set {@link #DENSE}.
 */
public final class TableNames {
  public static final String ATT_ITEM = "att.item";
  public static final String ATT_CATEGORY = "att.category";
  public static final String ATT_POSITION = "att.position";
  public static final String REPR_ITEM = "repr.item";
  public static final String REPR_CATEGORY = "repr.category";
  public static final String REPR_POSITION = "repr.position";
  public static final String SHARED_ITEM = "shared.item";
  public static final String SHARED_CATEGORY = "shared.category";
  public static final String SHARED_POSITION = "shared.position";
  public static final String DENSE = "dense";

  private TableNames() {}
}
