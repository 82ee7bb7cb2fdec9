"""Plans as spreadsheets: .xlsx and .csv (alone or zipped) import with the Markdown importer's rules,
export re-imports identically, and every bad file is refused with its sheet, row and column."""

import csv
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from monitoring.models import AlertRule, Indicator, Metric
from plans.document import PlanError
from plans.files import read_plan, read_plan_file
from plans.importer import import_plan
from plans.sheet_export import tables_from_register
from plans.spreadsheets import write_csv_zip, write_xlsx
from register.models import Category, Mitigation, Risk, ScaleBand, ScoreChange, Strategy
from reviews.models import ReviewTemplate
from tests.plans.test_import import snapshot

pytestmark = pytest.mark.django_db


def workbook(**sheets) -> bytes:
    """An .xlsx with one sheet per keyword: name=[header, row, row, ...]."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name.replace("_", " "))
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def empty_register():
    for model in (Risk, Category, Strategy, Metric, AlertRule, ReviewTemplate, ScaleBand):
        model.objects.all().delete()


RISKS_EN = [
    ["Risk ID", "Title", "Category", "Probability", "Severity", "Owner", "Mitigations", "KRIs", "Early Warning"],
    [
        "R-1",
        "Login outage",
        "Security",
        3,
        4,
        "",
        "1. Rotate keys\n2. Add MFA",
        "login error rate",
        "login error rate > 5%",
    ],
    ["R-2", "Slow search", "Performance", 2, 3, "", "", "search latency", ""],
]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_into_an_empty_register_round_trips(seeded, language, fmt, tmp_path):
    before = snapshot()
    path = tmp_path / f"register.{'xlsx' if fmt == 'xlsx' else 'zip'}"
    call_command("export_plan", "--format", fmt, "--language", language, "--out", str(path))
    empty_register()
    report = import_plan(read_plan_file(path))
    assert report.warnings == []
    assert snapshot() == before
    # ...and exporting again gives the same cells.
    again = tmp_path / "again.xlsx"
    call_command("export_plan", "--format", "xlsx", "--language", language, "--out", str(again))
    first = load_workbook(path) if fmt == "xlsx" else None
    if first is not None:
        second = load_workbook(again)
        assert [[list(r) for r in s.iter_rows(values_only=True)] for s in first.worksheets] == [
            [list(r) for r in s.iter_rows(values_only=True)] for s in second.worksheets
        ]


def test_a_one_sheet_register_with_synonym_headers_imports(db):
    plan = read_plan("register.xlsx", workbook(Sheet1=RISKS_EN))
    import_plan(plan)
    r1 = Risk.objects.get(number=1)
    assert (r1.title, r1.impact, r1.likelihood, r1.category.name) == ("Login outage", 4, 3, "Security")
    assert list(r1.mitigations.values_list("number", "title")) == [(1, "Rotate keys"), (2, "Add MFA")]
    indicator = Indicator.objects.get(risk=r1)
    assert (indicator.name, indicator.operator, indicator.threshold, indicator.unit) == (
        "login error rate",
        ">",
        5.0,
        "%",
    )
    assert Risk.objects.get(number=2).indicators.get().name == "search latency"


JA_BOOK = {
    "リスク一覧": [
        ["リスクID", "タイトル", "カテゴリ", "影響度", "発生確率", "担当者", "次回レビュー"],
        ["R-1", "認証基盤の停止", "セキュリティ", 5, 2, "", "2027-01-15"],
    ],
    "対策": [["リスクID", "番号", "対策", "詳細", "言語"], ["R-1", 1, "鍵の定期更新", "rotate --all", "bash"]],
    "監視指標": [["リスクID", "指標", "早期警告"], ["R-1", "ログイン失敗率", "ログイン失敗率が10%を超えた場合"]],
    "ダッシュボード": [
        ["指標", "カテゴリ", "正常範囲", "警告閾値", "危険閾値"],
        ["ログイン失敗率", "認証", "< 5%", "5-10%", "> 10%"],
        ["処理件数", "業務", "> 300件/日", "100〜300件/日", "< 100件/日"],
    ],
}


def test_a_japanese_workbook_imports_with_japanese_headers(db):
    import_plan(read_plan("計画.xlsx", workbook(**JA_BOOK)))
    risk = Risk.objects.get(number=1)
    assert (risk.title, risk.impact, risk.likelihood, str(risk.next_review_date)) == (
        "認証基盤の停止",
        5,
        2,
        "2027-01-15",
    )
    assert risk.mitigations.get().detail == "rotate --all"
    indicator = risk.indicators.stated().get()
    assert indicator.metric.name == "ログイン失敗率"
    # A failure rate with a stated normal band (< 5 %) runs as an SLO of 95 % on the same readings.
    assert (risk.slos.get().objective, risk.slos.get().metric) == (95.0, indicator.metric)
    assert (indicator.threshold, indicator.unit) == (10.0, "%")
    jobs = Metric.objects.get(name="処理件数")
    assert (jobs.unit, jobs.direction, jobs.warning, jobs.critical) == ("件/日", "lower_is_worse", 300.0, 100.0)


def test_csv_in_shift_jis_from_excel_imports(db):
    rows = [["リスクID", "タイトル", "影響度", "発生確率"], ["3", "夜間バッチの遅延", "2", "4"]]
    import_plan(read_plan("risks.csv", csv_bytes(rows, "cp932")))
    assert Risk.objects.get(number=3).title == "夜間バッチの遅延"


def test_semicolon_csv_with_bom_imports(db):
    data = "\ufeffID;Title;Impact;Likelihood\n7;Vendor lock-in;3;2\n".encode()
    import_plan(read_plan("risks.csv", data))
    assert Risk.objects.get(number=7).score == 6


def test_reimport_is_idempotent_and_a_rescore_records_history(db):
    import_plan(read_plan("r.xlsx", workbook(Risks=RISKS_EN)))
    again = import_plan(read_plan("r.xlsx", workbook(Risks=RISKS_EN)))
    assert not again.changed
    edited = [list(row) for row in RISKS_EN]
    edited[1][3] = 5  # probability 3 → 5
    report = import_plan(read_plan("r.xlsx", workbook(Risks=edited)))
    assert report.counts["risks"] == {"created": 0, "updated": 1, "unchanged": 1}
    change = ScoreChange.objects.filter(risk__number=1).latest("changed_at")
    assert (change.old_likelihood, change.new_likelihood, change.source) == (3, 5, "import")


def test_rows_match_an_existing_risk_by_title_when_the_id_differs(db):
    import_plan(read_plan("r.xlsx", workbook(Risks=RISKS_EN)))
    renumbered = [RISKS_EN[0], ["R-40", *RISKS_EN[1][1:]]]
    report = import_plan(read_plan("r.xlsx", workbook(Risks=renumbered)))
    assert not Risk.objects.filter(number=40).exists()
    assert any("matched R-1 by title" in w for w in report.warnings)


@pytest.mark.parametrize(
    "sheets, where, message",
    [
        (
            {"Risks": [["ID", "Title", "Impact", "Likelihood"], [1, "ok", 2, 2], [2, "", 1, 1], [3, "x", 6, 2]]},
            "sheet 'Risks', row 4, column C (Impact)",
            "impact '6' is not a number from 1 to 5",
        ),
        (
            {"Risks": [["ID", "Title", "Impact", "Likelihood"], [1, "ok", "high", 2]]},
            "sheet 'Risks', row 2, column C (Impact)",
            "not a number from 1 to 5",
        ),
        (
            {"Risks": [["ID", "Title", "Likelihood"], [1, "ok", 2]]},
            "sheet 'Risks', row 1",
            "no column for impact",
        ),
        (
            {"Risks": [["ID", "Title", "Impact", "Likelihood", "Score"], [1, "ok", 2, 3, 7]]},
            "sheet 'Risks', row 2, column E (Score)",
            "2 × 3 is 6, not 7",
        ),
        (
            {"Risks": [["ID", "Title", "Impact", "Likelihood"], [1, "a", 1, 1], [1, "b", 2, 2]]},
            "sheet 'Risks', row 3, column A (ID)",
            "risk number 1 is used twice",
        ),
        (
            {"Risks": [["ID", "Title", "Impact", "Likelihood"], ["R-999999", "a", 1, 1]]},
            "sheet 'Risks', row 2, column A (ID)",
            "not a number from 1 to 99,999",
        ),
        (
            {
                "Risks": [["ID", "Title", "Impact", "Likelihood"], [1, "a", 1, 1]],
                "Mitigations": [["Risk ID", "Mitigation"], ["R-9", "nothing"]],
            },
            "sheet 'Mitigations', row 2, column A (Risk ID)",
            "no risk 'R-9' on the risks sheet",
        ),
        (
            {
                "Risks": [["ID", "Title", "Impact", "Likelihood"], [1, "a", 1, 1]],
                "Metrics": [["Metric", "Normal", "Warning", "Critical"], ["m", "< 1 GB", "1-2", "> 2 MB"]],
            },
            "sheet 'Metrics', row 2",
            "bands use different units",
        ),
        (
            {
                "Risks": [["ID", "Title", "Impact", "Likelihood"], [1, "a", 1, 1]],
                "Metrics": [["Metric", "Normal", "Warning", "Critical"], ["m", "low", "mid", "high"]],
            },
            "sheet 'Metrics', row 2",
            "metric 'm'",
        ),
        ({"Notes": [["Anything"], ["else"]]}, None, "no risks sheet"),
    ],
    ids=[
        "score-6",
        "score-word",
        "missing-column",
        "product",
        "duplicate",
        "id-range",
        "unknown-risk",
        "units",
        "no-number",
        "no-risks",
    ],
)
def test_bad_sheets_are_refused_naming_sheet_row_and_column_and_nothing_is_written(db, sheets, where, message):
    Category.objects.create(name="kept")
    with pytest.raises(PlanError) as info:
        import_plan(read_plan("bad.xlsx", workbook(**sheets)))
    assert any(w == where and message in m for w, m in info.value.problems), info.value.problems
    assert Risk.objects.count() == 0
    assert list(Category.objects.values_list("name", flat=True)) == ["kept"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "password-protected or in the old .xls format"),
        (b"PK\x03\x04 this is not a zip at all", "cannot be read (corrupt)"),
        (b"just text", "not an .xlsx workbook"),
    ],
    ids=["encrypted", "corrupt-zip", "not-zip"],
)
def test_unreadable_workbooks_are_clear_errors(db, data, message):
    with pytest.raises(PlanError) as info:
        read_plan("plan.xlsx", data)
    assert message in str(info.value)


def test_a_workbook_that_is_a_zip_but_not_a_workbook_is_a_clear_error(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(PlanError, match="cannot be read"):
        read_plan("plan.xlsx", buffer.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("risks.csv", b"0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(PlanError, match="unpacks to more than"):
        read_plan("plan.zip", buffer.getvalue())


def test_an_unknown_file_kind_is_refused_by_name(db):
    with pytest.raises(PlanError, match="unknown kind of file"):
        read_plan("plan.docx", b"x")


def test_a_csv_that_is_neither_utf8_nor_shift_jis_is_refused(db):
    with pytest.raises(PlanError, match="not UTF-8 or Shift-JIS"):
        read_plan("risks.csv", b"ID,Title\n1,\x82\xff\x80\n")


def test_the_command_reads_a_spreadsheet_and_reports_errors_with_cells(db, tmp_path):
    good = tmp_path / "plan.xlsx"
    good.write_bytes(workbook(Risks=RISKS_EN))
    call_command("import_plan", str(good))
    assert Risk.objects.count() == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(Risks=[RISKS_EN[0], ["R-3", "x", "", 9, 1]]))
    with pytest.raises(CommandError, match=r"sheet 'Risks', row 2, column D \(Probability\): likelihood '9'"):
        call_command("import_plan", str(bad))
    assert Risk.objects.count() == 2


def test_formula_looking_text_stays_text_in_the_workbook(db):
    data = write_xlsx([("Alerts", ["Priority", "Condition"], [["Watch", "=HYPERLINK(1)"]])])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == "=HYPERLINK(1)"


def test_csv_zip_has_one_utf8_file_per_sheet(seeded):
    archive = zipfile.ZipFile(io.BytesIO(write_csv_zip(tables_from_register("ja"))))
    names = archive.namelist()
    assert names[:3] == ["リスク.csv", "対策.csv", "監視指標.csv"]
    text = archive.read("リスク.csv").decode("utf-8-sig")
    assert text.splitlines()[0].startswith("リスクID,タイトル")
    rows = list(csv.reader(io.StringIO(archive.read("対策.csv").decode("utf-8-sig"))))
    assert len(rows) - 1 == Mitigation.objects.count()


def test_headers_with_scales_translations_and_cells_with_words_import(db):
    # As registers really look: headers qualified or bilingual, scores with their scale's word.
    rows = [
        ["Risk ID", "Risk Title", "Likelihood (1-5)", "Impact 1–5", "Owner / 担当者", "発生確率の根拠"],
        ["R-1", "Vendor outage", "4 - Likely", "3 (Moderate)", "", "past incidents"],
        ["R-2", "Key leak", "２", "5: severe", "", ""],
    ]
    report = import_plan(read_plan("register.xlsx", workbook(Register=rows)))
    assert sorted(Risk.objects.values_list("number", "likelihood", "impact")) == [(1, 4, 3), (2, 2, 5)]
    assert any("発生確率の根拠" in w and "unknown column" in w for w in report.warnings)


@pytest.mark.parametrize("cell", ["4.5", "45", "high", "4 5"])
def test_a_score_cell_that_is_not_one_whole_number_is_refused(db, cell):
    with pytest.raises(PlanError, match=r"column C \(Impact\): impact"):
        read_plan("r.xlsx", workbook(Risks=[["ID", "Title", "Impact", "Likelihood"], [1, "a", cell, 2]]))
