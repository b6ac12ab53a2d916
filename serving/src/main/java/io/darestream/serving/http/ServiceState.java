package io.darestream.serving.http;

import io.darestream.serving.scoring.ModelStatus;
import java.util.List;
import java.util.Optional;

/** What the health and model-info endpoints read: the model status and what is not ready yet. */
public interface ServiceState {
  /** The model being served, or empty before the first one is loaded. */
  Optional<ModelStatus> model();

  /** Why the service is not ready (e.g. "no model loaded"); empty when ready to score. */
  List<String> notReady();

  /** What the health body says besides readiness (a feed whose brokers stopped answering). */
  default List<String> warnings() {
    return List.of();
  }
}
