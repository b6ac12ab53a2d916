package io.darestream.app.cli;

import io.darestream.model.eval.EvaluateMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code evaluate}: the model module's offline evaluation ({@link EvaluateMain}); every argument
 * except {@code --help} goes to it unchanged.
 */
@Command(
    name = "evaluate",
    description = {
      "Offline evaluation of DARE against TWIN and TWIN with projection, without Kafka or Flink.",
      "  --mode offline|online|retrieval   offline (default): the DARE paper's protocol, mean ±"
          + " std over --seeds; online: prequential replay; retrieval: NDCG of the search on"
          + " --synthetic data",
      "  --data DIR                        MovieLens release directory (ratings.csv, movies.csv)",
      "  --synthetic USERS:ITEMS:BEHAVIOURS  generated data instead of --data",
      "  --variants DARE,TWIN,TWIN_PROJ    --max-history 100  --top-k 20  --seeds 5  --epochs 5",
      "  --attention-dim 16  --representation-dim 16  --negatives 2  --batch 256  --aux false",
      "Example: evaluate --data movielens-latest-small --max-history 100 --seeds 3",
      ""
    })
public final class EvaluateCommand implements Callable<Integer> {
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    try {
      EvaluateMain.main(args.toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      throw new CliException(e.getMessage());
    }
    return 0;
  }
}
