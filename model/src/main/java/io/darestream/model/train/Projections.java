package io.darestream.model.train;

import io.darestream.model.nn.DenseParameters;
import io.darestream.model.nn.LinearMap;
import java.util.SplittableRandom;

/**
 * The linear projections of the TWIN-with-projection baseline (DARE Section 3.2): one shared
 * embedding set, with a query and a key projection for attention and a value and a target
 * projection for representation, as language models separate the roles of one token embedding.
 *
 * @param query {@code W_q}: target token to the attention space
 * @param key {@code W_k}: behaviour token to the attention space (the search folds the query to
 *     {@code W_k W_q^T e_t} so that it scores the shared keys directly)
 * @param value {@code P_v}: the aggregated behaviours {@code ubar} to {@code u}
 * @param target {@code P_t}: the target token to {@code v}
 */
public record Projections(LinearMap query, LinearMap key, LinearMap value, LinearMap target) {

  /** Registers the four maps in {@code dense} (this order), initialised from {@code rng}. */
  static Projections register(
      DenseParameters dense, int tokenDim, int attentionDim, SplittableRandom rng) {
    LinearMap query = new LinearMap(dense, "proj.query", tokenDim, attentionDim, rng);
    LinearMap key = new LinearMap(dense, "proj.key", tokenDim, attentionDim, rng);
    LinearMap value = new LinearMap(dense, "proj.value", tokenDim, tokenDim, rng);
    LinearMap target = new LinearMap(dense, "proj.target", tokenDim, tokenDim, rng);
    return new Projections(query, key, value, target);
  }
}
