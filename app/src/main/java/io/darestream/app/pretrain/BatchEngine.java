package io.darestream.app.pretrain;

import io.darestream.model.BatchResult;
import io.darestream.model.DareModel;
import io.darestream.model.TrainingSample;
import java.util.List;
import java.util.Locale;

/**
 * How pretraining computes a training step: the Java engine the online trainer runs ({@code
 * DareModel.trainBatch}), or DJL's PyTorch engine on a CPU or a GPU ({@code DjlBatchEngine}), over
 * the same tables. Either way every prediction is made before the step learns from it.
 */
public interface BatchEngine extends AutoCloseable {
  /** Scores, then trains on, one batch; predictions in batch order. */
  BatchResult trainStep(List<TrainingSample> batch);

  /** A short name for logs and summaries. */
  String description();

  @Override
  void close();

  /** The Java engine of the online trainer. */
  static BatchEngine java(DareModel model) {
    return new BatchEngine() {
      @Override
      public BatchResult trainStep(List<TrainingSample> batch) {
        return model.trainBatch(batch);
      }

      @Override
      public String description() {
        return "java";
      }

      @Override
      public void close() {}
    };
  }

  /**
   * The engine named {@code name} ({@code java} or {@code djl}) on {@code device} ({@code cpu} or
   * {@code gpu}; the Java engine runs on the CPU only).
   *
   * @throws IllegalArgumentException on an unknown name or device, or a GPU for the Java engine
   */
  static BatchEngine of(String name, String device, DareModel model) {
    String d = device.trim().toLowerCase(Locale.ROOT);
    if (!d.equals("cpu") && !d.equals("gpu")) {
      throw new IllegalArgumentException("--device must be cpu or gpu, got " + device);
    }
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "java" -> {
        if (d.equals("gpu")) {
          throw new IllegalArgumentException("the java engine runs on the CPU; use --engine djl");
        }
        yield java(model);
      }
      case "djl" -> DjlEngine.open(model, d.equals("gpu"));
      default -> throw new IllegalArgumentException("--engine must be java or djl, got " + name);
    };
  }
}
