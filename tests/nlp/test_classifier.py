"""Category model: predictions, triage, bad input, saving and loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import pytest

from civicgrid.nlp.classifier import (
    CategoryModel,
    ModelFolderError,
    load_model,
    train_category_model,
)


def test_prediction_carries_label_confidence_version_and_top3(
    category_model: CategoryModel,
) -> None:
    [p] = category_model.predict(["公司拖欠工资三个月了，老板也不交社保"])
    assert p.label == "劳动社保"
    assert p.model_version == category_model.version and p.model_version.startswith("cat-")
    assert len(p.top3) == 3 and p.top3[0][0] == p.label
    assert 0.0 <= p.confidence <= 1.0 and p.confidence == p.top3[0][1]


def test_confident_prediction_does_not_need_triage(category_model: CategoryModel) -> None:
    [p] = category_model.predict(["楼下烧烤店油烟太大，请尽快处理"])
    assert not p.needs_triage and p.confidence >= category_model.threshold


@pytest.mark.parametrize(
    "text", ["", "   ", None, "19900000001", "😡😡😡🙏", "１２３４５６７８", "？？？！！"]
)
def test_text_without_content_gets_no_label(
    category_model: CategoryModel, text: str | None
) -> None:
    [p] = category_model.predict([text])
    assert p.label is None and p.confidence == 0.0 and p.needs_triage and p.reason


def test_fifty_thousand_characters_give_a_prediction(category_model: CategoryModel) -> None:
    [p] = category_model.predict(["物业不维修漏水的天花板。" * 4200])
    assert p.label == "物业管理"


def test_unrelated_text_falls_below_threshold(category_model: CategoryModel) -> None:
    [p] = category_model.predict(["Hello, this is a test message about nothing"])
    assert p.needs_triage


def test_threshold_one_sends_every_case_to_triage(generated: list) -> None:
    model = train_category_model(
        [r.text for r in generated[:80]],
        [r.category for r in generated[:80]],
        threshold=1.0,
        calibrate=False,
    )
    assert all(p.needs_triage for p in model.predict(["路口红绿灯坏了"]))


def test_saved_model_loads_with_the_same_version(
    category_model: CategoryModel, tmp_path: Path
) -> None:
    category_model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.version == category_model.version
    assert (tmp_path / "m" / "model.json").exists()


def test_loading_a_router_as_category_model_is_refused(unit_router, tmp_path: Path) -> None:
    unit_router.save(tmp_path / "r")
    with pytest.raises(ModelFolderError, match="routing"):
        load_model(tmp_path / "r", "category")


def test_training_with_one_label_names_the_problem() -> None:
    with pytest.raises(ValueError, match="at least 2 distinct labels"):
        train_category_model(["a b c d", "e f g h"], ["x", "x"])


def test_explanation_points_at_words_of_the_text(category_model: CategoryModel) -> None:
    terms = category_model.engine.explain("楼下烧烤店油烟太大", "噪音油烟扰民")
    assert terms and all(t in "楼下烧烤店油烟太大" for t in terms)


def test_hashed_char_block_equals_scikit_learns_tfidf(generated: list) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from civicgrid.nlp.textmodel import FeatureSpec, TextFeatures, model_text

    train = [model_text(r.text) for r in generated]
    features = TextFeatures(FeatureSpec(words=False, max_features=None))
    features.fit_transform(train)
    reference = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, dtype=np.float32
    ).fit(train)
    texts = [model_text(t) for t in ("楼下烧烤店油烟太大  每天 吵", "Road ABC 12号", "", "物业")]
    ours, theirs = features.transform(texts), reference.transform(texts)
    assert ours.shape == theirs.shape
    for row in range(len(texts)):
        assert np.allclose(np.sort(ours[row].data), np.sort(theirs[row].data), atol=1e-5)
    assert ours[2].nnz == 0 and ours[0].nnz > 10


def test_words_are_found_without_segmenting_at_prediction(category_model: CategoryModel) -> None:
    from civicgrid.nlp.textmodel import model_text

    features = category_model.engine.features
    char_width = features.blocks[0].width
    row = features.transform([model_text("楼下烧烤店油烟太大")])
    words = features.names_in(
        model_text("楼下烧烤店油烟太大"), {int(c) for c in row.indices if c >= char_width}
    )
    assert "油烟" in words.values() or "烧烤" in words.values()


def test_numpy_word_cut_follows_jieba_and_both_routes_agree() -> None:
    from civicgrid.nlp import words
    from civicgrid.nlp.grams import gram_table
    from civicgrid.nlp.textmodel import jieba_words, model_text

    texts = [
        model_text(t)
        for t in (
            "我家楼下的烧烤店每天晚上油烟太大，严重影响居民休息。",
            "小区电梯经常故障，物业管理处一直不维修，希望有关部门督促解决。",
            "",
            "城乡建设规划局关于道路拓宽的回复",
        )
    ]
    table = gram_table(texts, 4)
    starts, ends, _ = words._blocks(table)
    score = words._scores(table, starts, ends)
    vectorised = words._route_vectorised(score, starts, ends)
    looped = words._route_by_loop(score, starts, ends)
    on = words._on_route(vectorised, starts, ends)
    assert (vectorised[on] == looped[on]).all()
    assert (on == words._on_route_by_loop(looped, starts, ends)).all()
    tokens = words.word_tokens(table)
    joined = "\x00".join(texts)
    for row, text in enumerate(texts):
        mine = [
            joined[s : s + n]
            for r, s, n in sorted(
                zip(
                    tokens.rows.tolist(),
                    tokens.starts.tolist(),
                    tokens.lengths.tolist(),
                    strict=True,
                ),
                key=lambda x: x[1],
            )
            if r == row
        ]
        assert mine == jieba_words(text)


def test_companion_margins_are_added_to_the_main_models(generated: list) -> None:
    from civicgrid.nlp.textmodel import Companion, FeatureSpec, model_text

    texts, labels = [r.text for r in generated], [r.category for r in generated]
    companion = Companion(FeatureSpec(char_ngrams=(1, 5), words=False), weight=0.5, c=0.6)
    model = train_category_model(texts, labels, companions=(companion,))
    engine = model.engine
    assert len(engine.companions) == 1 and engine.companions[0].weight == 0.5
    prepared = [model_text(t) for t in texts[:5]]
    main = engine.svm.decision_function(engine.features.transform(prepared))
    other = engine.companions[0].svm.decision_function(
        engine.companions[0].features.transform(prepared)
    )
    assert np.allclose(engine.margins(prepared), main + 0.5 * other)
    assert [p.label for p in model.predict(texts[:20])] == labels[:20]


def test_a_model_saved_in_the_old_feature_format_asks_to_be_retrained(
    category_model: CategoryModel, tmp_path: Path
) -> None:
    import copy

    import joblib

    old = copy.deepcopy(category_model)
    del old.engine.features.blocks  # the old TextFeatures held scikit-learn vectorisers
    (tmp_path / "m").mkdir()
    joblib.dump(old, tmp_path / "m" / "model.joblib")
    with pytest.raises(ModelFolderError, match="retrain it with civicgrid nlp train"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("mode", ["substrings", "maximal"])
def test_other_word_modes_train_and_find_training_words(generated: list, mode: str) -> None:
    from civicgrid.nlp.textmodel import FeatureSpec

    texts, labels = [r.text for r in generated], [r.category for r in generated]
    model = train_category_model(texts, labels, spec=FeatureSpec(word_mode=mode), calibrate=False)
    assert model.engine.features.spec.word_mode == mode
    assert model.engine.features.blocks[1].width > 20  # the word block learned a vocabulary
    assert [p.label for p in model.predict(texts[:20])] == labels[:20]


def test_maximal_words_drop_an_entry_inside_a_longer_one() -> None:
    from civicgrid.nlp.grams import GramVocabulary, gram_table, key_of

    keys = np.array(sorted([key_of("城乡"), key_of("城乡建设")]), dtype=np.uint64)
    table = gram_table(["城乡建设和城乡"], 4)
    every = GramVocabulary(keys, np.ones(2, np.float32), (2, 3, 4))
    maximal = GramVocabulary(keys, np.ones(2, np.float32), (2, 3, 4), maximal=True)
    assert every.counts(table).sum() == 3  # 城乡 twice, 城乡建设 once
    assert maximal.counts(table).sum() == 2  # the 城乡 inside 城乡建设 no longer counts


def test_unknown_word_mode_is_refused() -> None:
    from civicgrid.nlp.textmodel import FeatureSpec, TextFeatures

    with pytest.raises(ValueError, match="word_mode 'jieba' is unknown"):
        TextFeatures(FeatureSpec(word_mode="jieba"))


def test_explanation_terms_carry_no_edge_punctuation(category_model: CategoryModel) -> None:
    label = category_model.predict(["楼下烧烤店油烟太大，每天吵到半夜。"])[0].label
    assert label is not None
    terms = category_model.engine.explain("楼下烧烤店油烟太大，每天吵到半夜。", label, k=10)
    assert terms and all(t[0] not in "，,。 " and t[-1] not in "，,。 " for t in terms)
