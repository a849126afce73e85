"""Reading each document format into passages with heading paths and article numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from civicgrid.assistant.documents import DocumentParseError
from civicgrid.assistant.ingest import read_document

MARKDOWN = """# 网格员工作手册
## 第一章 占道经营
第一条 发现占道经营的，网格员应当先劝导经营者自行清理。
第二条 劝导无效的，拍照取证并上报街道综合执法队处理。
## 第二章 噪声扰民
一、夜间施工
夜间施工噪声扰民的，核实施工许可后报生态环境部门处理。
"""


def test_markdown_passages_keep_heading_path_and_article(tmp_path: Path) -> None:
    path = tmp_path / "handbook.md"
    path.write_text(MARKDOWN, encoding="utf-8")

    document, passages = read_document(path)

    assert document.doc_id == "handbook" and document.kind == "markdown"
    assert [p.article for p in passages] == ["第一条", "第二条", None]
    assert passages[0].heading_path == ("网格员工作手册", "第一章 占道经营")
    assert passages[2].heading_path == ("网格员工作手册", "第二章 噪声扰民", "一、夜间施工")
    assert [p.passage_id for p in passages] == ["handbook#1", "handbook#2", "handbook#3"]
    assert all(p.version == document.version and p.source == "handbook.md" for p in passages)


def test_txt_in_gb18030_is_read_with_chapters_and_articles(tmp_path: Path) -> None:
    path = tmp_path / "rules.txt"
    text = "第一章 总则\n第一条 为规范网格管理，制定本办法。\n第二条 本办法适用于南山区。\n"
    path.write_bytes(text.encode("gb18030"))

    _, passages = read_document(path)

    assert [p.article for p in passages] == ["第一条", "第二条"]
    assert passages[1].heading_path == ("第一章 总则",)
    assert "南山区" in passages[1].text


def test_outline_items_become_articles_and_subitems_stay_inside(tmp_path: Path) -> None:
    path = tmp_path / "guide.txt"
    path.write_text(
        "一、受理。收到诉求后一个工作日内受理。\n（一）电话诉求当场登记。\n"
        "（二）网络诉求两小时内登记。\n二、办结。受理后五个工作日内办结。\n",
        encoding="utf-8",
    )

    _, passages = read_document(path)

    assert [p.article for p in passages] == ["一、", "一、（一）", "一、（二）", "二、"]


def test_docx_headings_paragraphs_and_tables_are_read(tmp_path: Path) -> None:
    import docx

    word = docx.Document()
    word.add_heading("城市管理指引", level=1)
    word.add_heading("第一章 占道经营", level=2)
    word.add_paragraph("第一条 发现占道经营的，应当先行劝导。")
    table = word.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "责任单位"
    table.rows[0].cells[1].text = "街道执法队"
    path = tmp_path / "guide.docx"
    word.save(str(path))

    document, passages = read_document(path, unit="街道执法队")

    assert document.kind == "docx"
    assert passages[0].heading_path == ("城市管理指引", "第一章 占道经营")
    assert passages[0].article == "第一条"
    assert "责任单位 | 街道执法队" in passages[0].text
    assert passages[0].unit == "街道执法队"


def test_pdf_text_layer_is_read(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib import font_manager, rc_context
    from matplotlib.figure import Figure

    fonts = [f.name for f in font_manager.fontManager.ttflist if "CJK SC" in f.name]
    if not fonts:
        pytest.skip("no CJK font (e.g. fonts-noto-cjk) to draw a Chinese test PDF with")
    path = tmp_path / "rules.pdf"
    # TrueType (Type 42) fonts keep a text layer that pypdf can extract.
    with rc_context({"pdf.fonttype": 42}):
        figure = Figure()
        figure.text(0.1, 0.8, "第一条 发现占道经营的，应当先劝导。", family=fonts[0])
        figure.text(0.1, 0.7, "第二条 劝导无效的，上报执法队。", family=fonts[0])
        figure.savefig(path)

    document, passages = read_document(path)

    assert document.kind == "pdf"
    assert [p.article for p in passages] == ["第一条", "第二条"]
    assert "上报执法队" in passages[1].text


def test_qa_sheet_rows_become_passages_with_unit(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(
        "问题,答案,处理单位\n占道经营怎么处理？,先劝导，劝导无效上报执法队。,街道执法队\n"
        "噪声扰民找谁？,夜间施工噪声报生态环境部门。,生态环境局\n",
        encoding="utf-8-sig",
    )

    document, passages = read_document(path)

    assert document.kind == "qa"
    assert passages[1].heading_path == ("噪声扰民找谁？",)
    assert passages[1].unit == "生态环境局"
    assert passages[1].article == "第2行"


def test_qa_xlsx_is_read(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["question", "answer"])
    sheet.append(["如何办理居住证？", "携带身份证到社区工作站办理。"])
    path = tmp_path / "faq.xlsx"
    book.save(path)

    _, passages = read_document(path)

    assert passages[0].text == "携带身份证到社区工作站办理。"


def test_broken_docx_error_names_the_document(tmp_path: Path) -> None:
    path = tmp_path / "损坏的指引.docx"
    path.write_bytes(b"this is not a zip file")

    with pytest.raises(DocumentParseError, match="损坏的指引.docx.*DOCX"):
        read_document(path)


def test_broken_pdf_error_names_the_document(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 garbage")

    with pytest.raises(DocumentParseError, match="scan.pdf"):
        read_document(path)


def test_unknown_suffix_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"x")

    with pytest.raises(DocumentParseError, match=r"slides.pptx.*\.docx"):
        read_document(path)


def test_qa_sheet_without_answer_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "faq.csv"
    path.write_text("问题,备注\n占道经营怎么处理？,无\n", encoding="utf-8")

    with pytest.raises(DocumentParseError, match="faq.csv.*answer column"):
        read_document(path)
