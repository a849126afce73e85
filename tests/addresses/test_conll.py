"""Reading tagged files and scoring spans at entity level (BIOES and BIO)."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicgrid.addresses.conll import ConllError, read_conll, score, spans


def test_bioes_spans() -> None:
    tags = ["B-city", "E-city", "S-poi", "O", "B-road", "I-road", "E-road"]
    assert spans(tags) == [("city", 0, 2), ("poi", 2, 3), ("road", 4, 7)]


def test_bio_spans() -> None:
    tags = ["B-city", "I-city", "B-road", "I-road", "O", "B-roadno"]
    assert spans(tags) == [("city", 0, 2), ("road", 2, 4), ("roadno", 5, 6)]


def test_stray_inside_tag_opens_an_entity() -> None:
    assert spans(["O", "I-poi", "I-poi"]) == [("poi", 1, 3)]


def test_label_change_closes_the_entity() -> None:
    assert spans(["B-road", "I-poi"]) == [("road", 0, 1), ("poi", 1, 2)]


def test_score_counts_exact_spans_only() -> None:
    gold = [["B-road", "E-road", "S-roadno"]]
    pred = [["B-road", "E-road", "O"]]
    result = score(gold, pred)
    assert (result.precision, result.recall) == (1.0, 0.5)
    assert result.per_label["roadno"]["recall"] == 0.0


def test_multi_character_tokens_are_read(tmp_path: Path) -> None:
    path = tmp_path / "bio.txt"
    path.write_text("文 B-road\n三 I-road\n路 I-road\n602 B-roadno\n号 I-roadno\n\n", "utf-8")
    (address,) = read_conll(path)
    assert address.tokens[3] == "602"
    assert address.text == "文三路602号"


def test_line_without_tag_is_refused_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("文 B-road\n三\n", "utf-8")
    with pytest.raises(ConllError, match="line 2"):
        read_conll(path)


def test_segmenter_features_are_optional() -> None:
    from civicgrid.addresses.crf import token_features

    plain = token_features(list("南山区科苑路"), None)
    segmented = token_features(list("南山区科苑路"), None, segmenter=True)
    assert not any(f.startswith("seg=") for f in plain[0])
    assert "seg=B" in segmented[0]


def test_lexicon_keeps_no_personal_names() -> None:
    from civicgrid.addresses.conll import TaggedAddress
    from civicgrid.addresses.crf import Lexicon

    address = TaggedAddress(tuple("张三文三路"), ("B-person", "I-person", "B-road", "I-road",
                                                  "I-road"))
    lexicon = Lexicon.from_addresses([address])
    assert "文三路" in lexicon.entries
    assert "张三" not in lexicon.entries
