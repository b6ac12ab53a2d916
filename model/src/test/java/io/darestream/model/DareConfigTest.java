package io.darestream.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DareConfigTest {
  @Test
  void defaultsFollowTheReferenceSetup() {
    DareConfig c = DareConfig.builder().build();
    assertThat(c.variant()).isEqualTo(Variant.DARE);
    assertThat(c.attentionDim()).isEqualTo(16);
    assertThat(c.representationDim()).isEqualTo(16);
    assertThat(c.maxHistory()).isEqualTo(200);
    assertThat(c.topK()).isEqualTo(20);
    assertThat(c.hiddenSizes()).containsExactly(200, 80);
    assertThat(c.initStd()).isEqualTo(0.01f);
    assertThat(c.attentionInitStd()).isEqualTo(0.1f);
    assertThat(c.searchLogitWeight()).isEqualTo(1f);
    assertThat(c.exactMatch()).isTrue();
    assertThat(c.cooccurrenceLossWeight()).isEqualTo(1f);
    assertThat(c.mlpInputDim()).isEqualTo(144);
  }

  @Test
  void theSearchsOwnTermsAreDaresUnlessSetForABaseline() {
    DareConfig twin = DareConfig.builder().variant(Variant.TWIN).build();
    assertThat(twin.searchLogitWeight()).isZero();
    assertThat(twin.exactMatch()).isFalse();
    DareConfig proj = DareConfig.builder().variant(Variant.TWIN_PROJ).build();
    assertThat(proj.searchLogitWeight()).isZero();
    assertThat(proj.exactMatch()).isFalse();
    DareConfig set =
        DareConfig.builder().variant(Variant.TWIN).searchLogitWeight(0.5f).exactMatch(true).build();
    assertThat(set.searchLogitWeight()).isEqualTo(0.5f);
    assertThat(set.exactMatch()).isTrue();
    assertThat(DareConfig.builder().straightThroughSearch(true).build().searchLogitWeight())
        .isZero();
    DareConfig off = DareConfig.builder().searchLogitWeight(0).exactMatch(false).build();
    assertThat(off.searchLogitWeight()).isZero();
    assertThat(off.exactMatch()).isFalse();
  }

  @Test
  void theCooccurrenceLossIsDaresUnlessSetForTwin() {
    assertThat(DareConfig.builder().variant(Variant.TWIN).build().cooccurrenceLossWeight())
        .isZero();
    assertThat(DareConfig.builder().variant(Variant.TWIN_PROJ).build().cooccurrenceLossWeight())
        .isZero();
    DareConfig twin =
        DareConfig.builder().variant(Variant.TWIN).cooccurrenceLossWeight(0.5f).build();
    assertThat(twin.cooccurrenceLossWeight()).isEqualTo(0.5f);
    assertThat(twin.toBuilder().build()).isEqualTo(twin);
    assertThat(twin.toBuilder().variant(Variant.DARE).build().cooccurrenceLossWeight())
        .isEqualTo(0.5f);
    assertThat(DareConfig.builder().build().toBuilder().variant(Variant.TWIN).build())
        .extracting(DareConfig::cooccurrenceLossWeight)
        .isEqualTo(0f);
    DareConfig dare = DareConfig.builder().cooccurrenceLossWeight(2f).build();
    assertThat(dare.toProperties()).contains("search.cooccurrence.loss.weight=2.0");
    assertThat(DareConfig.fromProperties(dare.toProperties())).isEqualTo(dare);
    // A model written before the loss existed was trained without it, whatever the default is now.
    assertThat(DareConfig.fromProperties("format.version=2\n").cooccurrenceLossWeight()).isZero();
    assertThatThrownBy(
            () ->
                DareConfig.builder().variant(Variant.TWIN_PROJ).cooccurrenceLossWeight(1f).build())
        .hasMessageContaining("cooccurrenceLossWeight does not go with TWIN_PROJ");
    assertThatThrownBy(() -> DareConfig.builder().cooccurrenceLossWeight(-1f).build())
        .hasMessageContaining("cooccurrenceLossWeight must be >= 0, got -1.0");
    // A forged stored config is refused with the key named, never trained with.
    assertThatThrownBy(() -> DareConfig.fromProperties("search.cooccurrence.loss.weight=lots"))
        .hasMessageContaining("bad value 'lots' for model config key search.cooccurrence");
    assertThatThrownBy(() -> DareConfig.fromProperties("search.cooccurrence.loss.weight=NaN"))
        .hasMessageContaining("cooccurrenceLossWeight must be >= 0, got NaN");
    assertThatThrownBy(() -> DareConfig.fromProperties("search.cooccurrence.loss.weight=Infinity"))
        .hasMessageContaining("cooccurrenceLossWeight must be >= 0, got Infinity");
  }

  @Test
  void toBuilderCarriesTheSearchsTermsOnlyWhereTheyDifferFromTheVariantsDefault() {
    DareConfig dare = DareConfig.builder().build();
    assertThat(dare.toBuilder().build()).isEqualTo(dare);
    DareConfig twin = dare.toBuilder().variant(Variant.TWIN).build();
    assertThat(twin.searchLogitWeight()).isZero();
    assertThat(twin.exactMatch()).isFalse();
    assertThat(twin.toBuilder().variant(Variant.DARE).build()).isEqualTo(dare);

    DareConfig set = DareConfig.builder().searchLogitWeight(0.5f).exactMatch(false).build();
    DareConfig setTwin = set.toBuilder().variant(Variant.TWIN).build();
    assertThat(setTwin.searchLogitWeight()).isEqualTo(0.5f);
    assertThat(setTwin.exactMatch()).isFalse();
    DareConfig twinWithMatch = DareConfig.builder().variant(Variant.TWIN).exactMatch(true).build();
    assertThat(twinWithMatch.toBuilder().build()).isEqualTo(twinWithMatch);
  }

  @Test
  void propertiesRoundTrip() {
    DareConfig c =
        DareConfig.builder()
            .variant(Variant.TWIN_PROJ)
            .attentionDim(8)
            .hiddenSizes(64, 32, 16)
            .auxiliaryLoss(true)
            .sparseOptimizer(SparseOptimizerKind.ADAGRAD)
            .seed(-5)
            .expiryMs(60_000)
            .build();
    String text = c.toProperties();
    assertThat(text).startsWith("admission.min.count=1\n").contains("format.version=2");
    assertThat(DareConfig.fromProperties(text)).isEqualTo(c);
    assertThat(DareConfig.fromProperties(text).toProperties()).isEqualTo(text);
  }

  @Test
  void aConfigWrittenBeforeTheAttentionSettingsKeepsItsAttentionRows() {
    // As an older build wrote it: no attention.* or auxiliary.samples keys.
    DareConfig old =
        DareConfig.fromProperties(
            "format.version=2\ninit.std=0.02\nsparse.learning.rate=0.005\nauxiliary.loss=true\n");
    assertThat(old.attentionInitStd()).isEqualTo(0.02f);
    assertThat(old.attentionLearningRate()).isEqualTo(0.005f);
    assertThat(old.auxiliarySamples()).isZero();
    assertThat(old.attentionPositions()).isTrue();
    DareConfig c = DareConfig.builder().attentionInitStd(0.5f).attentionLearningRate(0.03f).build();
    assertThat(DareConfig.fromProperties(c.toProperties())).isEqualTo(c);
  }

  @Test
  void rejectsUnknownKeysAndNewerFormats() {
    assertThatThrownBy(() -> DareConfig.fromProperties("colour=blue"))
        .hasMessageContaining("unknown model config key 'colour'");
    assertThatThrownBy(() -> DareConfig.fromProperties("format.version=99"))
        .hasMessageContaining("newer");
    // Format 1 derived never-trained rows with another initialisation: refused, not misread.
    assertThatThrownBy(() -> DareConfig.fromProperties("format.version=1"))
        .hasMessageContaining("initialises never-trained rows differently");
  }

  @Test
  void buildSaysWhatIsWrong() {
    assertThatThrownBy(() -> DareConfig.builder().topK(0).attentionDim(-1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topK must be > 0, got 0")
        .hasMessageContaining("attentionDim must be > 0, got -1");
    assertThatThrownBy(() -> DareConfig.builder().variant(Variant.TWIN).attentionDim(8).build())
        .hasMessageContaining("TWIN shares one table set");
    assertThatThrownBy(
            () ->
                DareConfig.builder()
                    .attentionInitStd(-1)
                    .attentionLearningRate(0)
                    .auxiliarySamples(-2)
                    .build())
        .hasMessageContaining("attentionInitStd must be >= 0, got -1.0")
        .hasMessageContaining("attentionLearningRate must be > 0, got 0.0")
        .hasMessageContaining("auxiliarySamples must be >= 0 (0: all L), got -2");
  }
}
