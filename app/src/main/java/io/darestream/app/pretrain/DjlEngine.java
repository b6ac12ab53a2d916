package io.darestream.app.pretrain;

import ai.djl.Device;
import io.darestream.model.BatchResult;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import io.darestream.model.djl.DjlBatchEngine;
import java.util.List;

/**
 * The DJL batch engine behind {@link BatchEngine}. Its own class so that DJL is only loaded when
 * asked for: the PyTorch native library (pytorch-native-cpu, or a CUDA build) must be on the class
 * path or under {@code PYTORCH_LIBRARY_PATH}; without it opening fails with DJL's error.
 */
final class DjlEngine implements BatchEngine {
  private final DjlBatchEngine engine;

  private DjlEngine(DjlBatchEngine engine) {
    this.engine = engine;
  }

  static BatchEngine open(DareModel model, boolean gpu) {
    Device device = gpu ? Device.gpu() : Device.cpu();
    try {
      return new DjlEngine(new DjlBatchEngine(model.trainer().parameters(), device));
    } catch (IllegalArgumentException e) {
      throw e; // a model setting the engine does not compute: says which
    } catch (RuntimeException | LinkageError e) {
      throw new IllegalStateException(
          "the DJL engine cannot start on "
              + device
              + " (is a PyTorch native library for it on the class path or under"
              + " PYTORCH_LIBRARY_PATH?): "
              + e,
          e);
    }
  }

  @Override
  public BatchResult trainStep(List<TrainingSample> batch) {
    return engine.trainStep(batch);
  }

  @Override
  public String description() {
    return "djl on " + engine.device();
  }

  @Override
  public void close() {
    engine.close();
  }
}
