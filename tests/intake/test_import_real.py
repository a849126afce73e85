"""The real public exports in ../shared/data import as they are, and a second import adds
nothing. The counts are what the files hold (checked by hand on the rejected rows)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from civicgrid.cases import metrics
from civicgrid.cases.models import Case
from civicgrid.intake.importer import import_file
from civicgrid.intake.mapping import PRESETS

pytestmark = [pytest.mark.db, pytest.mark.shared_data]

# file, preset, (added, duplicates within the file, rejected rows)
REAL_FILES = [
    ("tipdm2020c/attachment3_messages_with_votes.csv", "tipdm-messages", (4326, 0, 0)),
    ("tipdm2020c/attachment4_messages_with_replies.csv", "tipdm-replies", (2816, 0, 0)),
    # 8 letters repeat an earlier mail_id; 9 have no date; 4 were answered before they
    # were written (reply_date < query_date in the source).
    ("shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv", "shangluo-mailbox",
     (1158, 8, 13)),
    # 19 rows updated before they were created.
    ("us311/sf311_sample_10k_2008_2018.csv", "sf311", (9981, 0, 19)),
    # 320 rows closed or resolved before they were created (placeholder dates in the source).
    ("us311/nyc311_2023-02-28_halfday_5k.csv", "nyc311", (4679, 0, 320)),
]


@pytest.mark.parametrize(("name", "preset", "expected"), REAL_FILES,
                         ids=[p for _, p, _ in REAL_FILES])
def test_real_file_imports_then_second_import_adds_nothing(
    module_import_db, shared_data, name, preset, expected
) -> None:
    first = import_file(factory=module_import_db, path=shared_data / name,
                        mapping=PRESETS[preset])
    second = import_file(factory=module_import_db, path=shared_data / name,
                         mapping=PRESETS[preset])
    assert (first.added, first.duplicates, len(first.rejected)) == expected
    assert (second.added, second.duplicates) == (0, expected[0] + expected[1])


def _expected_mailbox_figures(path) -> tuple[int, int, float]:
    """(received, closed, mean days) computed straight from the CSV, first letter per id."""
    import datetime as dt

    from civicgrid.intake.files import read_table

    seen, received, days = set(), 0, []
    for row in read_table(path).records():
        if row["mail_id"] in seen or not row["query_date"]:
            continue
        if row["reply_date"] and row["reply_date"] < row["query_date"]:
            continue
        seen.add(row["mail_id"])
        received += 1
        if row["reply"]:
            start = dt.date.fromisoformat(row["query_date"])
            end = dt.date.fromisoformat(row["reply_date"]) if row["reply_date"] else start
            days.append((end - start).days)
    return received, len(days), round(sum(days) / len(days), 2)


def test_imported_history_gives_true_metrics(module_import_db, shared_data) -> None:
    path = shared_data / "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv"
    import_file(factory=module_import_db, path=path, mapping=PRESETS["shangluo-mailbox"])
    with module_import_db() as session:
        row = metrics.compute(session=session, group_by="none",
                              scope=Case.source_id.like("shangluo-mailbox:%"))[0]
    received, closed, mean_days = _expected_mailbox_figures(path)
    assert (row["received"], row["closed"], row["avg_handling_days"]) == (
        received, closed, mean_days)
    assert (received, closed) == (1158, 1151)
    assert row["resolved"] == 0  # history closes as 办结（未注明解决）, never as 已解决


def test_cli_import_prints_one_json_object(tmp_path, monkeypatch, shared_data) -> None:
    from civicgrid.cli.main import app
    from civicgrid.settings import reset_settings

    monkeypatch.setenv("CIVICGRID_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CIVICGRID_DATABASE_URL", raising=False)
    reset_settings()
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--json"]).exit_code == 0
    path = shared_data / "shangluo-mayor-mailbox/shangluo_mayor_mailbox_2012_2022.csv"
    result = runner.invoke(app, ["import", str(path), "--map", "source_id=mail_id",
                                 "--map", "time=query_date", "--map", "text=query",
                                 "--map", "reply=reply", "--map", "reply_time=reply_date",
                                 "--save-as", "mailbox", "--json"])
    reset_settings()
    body = json.loads(result.stdout.strip().splitlines()[-1])
    assert result.exit_code == 0
    # Without the title column, the 2 letters with an empty text have nothing to import.
    assert (body["added"], body["duplicates"], len(body["rejected"])) == (1156, 8, 15)
    assert {"row", "column", "reason"} <= set(body["rejected"][0])
    assert "导入 shangluo_mayor_mailbox_2012_2022.csv: 1179/1179 行" in result.stderr
