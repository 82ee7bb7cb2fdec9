"""The sheets of a register workbook and their columns, each known by several names in Japanese and
English ("Risk ID", "No.", "リスクID"; "Probability", "発生確率"), the one written first by the export.
Read by the sheet reader (plans.sheets) and written by the export (plans.sheet_export)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from plans import labels


@dataclass(frozen=True)
class Sheet:
    key: str
    names: dict[str, list[str]]  # language -> sheet names, the one we write first
    columns: dict[str, dict[str, list[str]]]  # column key -> language -> headers, the one we write first
    required: tuple[str, ...]

    def title(self, language: str) -> str:
        return self.names[language][0]

    def header(self, column: str, language: str) -> str:
        return self.columns[column][language][0]

    def column_for(self, header: str) -> str | None:
        for wanted in _variants(header):
            for key, names in self.columns.items():
                if any(_key(n) == wanted for ns in names.values() for n in ns):
                    return key
        return None

    def is_named(self, name: str) -> bool:
        wanted = set(_variants(name))
        return any(_key(n) in wanted for ns in self.names.values() for n in ns)


def _key(text: str) -> str:
    """Headers compare without case, spacing, punctuation or full-width forms ("Risk-ID" = "risk id")."""
    return re.sub(r"[\s_\-.:：#()（）/・]+", "", labels.normalise(unicodedata.normalize("NFKC", text)))


def _variants(header: str) -> list[str]:
    """What a header may mean, most literal first: "Likelihood (1-5)" is Likelihood, "Owner / 担当者"
    is Owner or 担当者 — registers qualify and translate their headers in place."""
    text = unicodedata.normalize("NFKC", header)
    plain = re.sub(r"\s*[(\[].*?[)\]]\s*$", "", text)
    plain = re.sub(r"\s+\d+\s*[-–~〜]\s*\d+\s*$", "", plain)  # "Probability 1-5": the scale, not the name
    parts = [p for p in re.split(r"\s*[/|]\s*", plain) if p.strip()] if re.search(r"\s[/|]\s|[/|]", plain) else []
    return list(dict.fromkeys(_key(v) for v in [text, plain, *parts] if _key(v)))


_RISK_REF = {"ja": ["リスクID", "リスク番号", "リスク"], "en": ["Risk ID", "Risk", "Risk No", "Risk Code"]}
_NUMBER = {"ja": ["番号", "No"], "en": ["No", "Number", "#", "ID"]}
_TITLE = {"ja": ["タイトル", "名称", "件名"], "en": ["Title", "Name"]}
_DETAIL = {"ja": ["詳細", "コード"], "en": ["Detail", "Details", "Code", "Snippet"]}
_LANGUAGE = {"ja": ["言語"], "en": ["Language", "Snippet Language"]}
_DESCRIPTION = {"ja": ["説明", "概要"], "en": ["Description", "Summary"]}

RISKS = Sheet(
    "risks",
    {"ja": ["リスク", "リスク一覧", "リスク登録簿"], "en": ["Risks", "Risk Register", "Register"]},
    {
        "code": {"ja": ["リスクID", "番号", "リスク番号"], "en": ["Risk ID", "ID", "Code", "No", "Number", "Ref", "#"]},
        "title": {
            "ja": ["タイトル", "リスク", "リスク名", "件名"],
            "en": ["Title", "Risk", "Risk Title", "Name", "Risk Name"],
        },
        "category": {"ja": ["カテゴリ", "カテゴリー", "分類"], "en": ["Category", "Risk Category"]},
        "impact": {"ja": ["影響度"], "en": ["Impact", "Severity", "Impact Score", "Consequence Score"]},
        "likelihood": {"ja": ["発生確率", "発生可能性"], "en": ["Likelihood", "Probability", "Likelihood Score"]},
        "score": {"ja": ["スコア", "リスクスコア"], "en": ["Score", "Risk Score"]},
        "level": {"ja": ["レベル", "リスクレベル"], "en": ["Level", "Risk Level", "Rating", "Risk Rating"]},
        "description": _DESCRIPTION,
        "impact_text": {"ja": ["影響", "影響内容"], "en": ["Impact Description", "Consequence", "Consequences"]},
        "status": {"ja": ["ステータス", "状態"], "en": ["Status"]},
        "owner": {"ja": ["担当者", "オーナー", "責任者"], "en": ["Owner", "Risk Owner", "Assignee"]},
        "components": {"ja": ["コンポーネント", "対象システム"], "en": ["Components", "Affected Systems"]},
        "next_review": {"ja": ["次回レビュー", "次回見直し"], "en": ["Next Review", "Next Review Date", "Review Date"]},
        # A one-sheet register often keeps these in a cell each: one mitigation a line, indicators
        # separated by commas; the Mitigations and Indicators sheets add to them.
        "mitigations": {
            "ja": ["対策", "軽減策", "緩和策"],
            "en": ["Mitigations", "Mitigation", "Countermeasures", "Controls"],
        },
        "indicators": {"ja": ["監視指標", "指標"], "en": ["Indicators", "KRIs", "KRI", "Monitoring Metrics"]},
        "early_warning": {"ja": ["早期警告", "早期警戒"], "en": ["Early Warning", "Early Warning Rule", "Trigger"]},
        # Treatment (plans/treatment.py): an assessment in one cell ("5 × 4") or in two columns.
        "inherent": {"ja": ["固有リスク", "固有リスクスコア"], "en": ["Inherent Risk", "Inherent Score", "Inherent"]},
        "inherent_impact": {"ja": ["固有影響度"], "en": ["Inherent Impact"]},
        "inherent_likelihood": {"ja": ["固有発生確率"], "en": ["Inherent Likelihood"]},
        "target": {
            "ja": ["目標リスク", "残存リスク", "目標スコア"],
            "en": ["Target Risk", "Target Score", "Residual Risk", "Residual Score", "Target"],
        },
        "target_impact": {"ja": ["目標影響度"], "en": ["Target Impact", "Residual Impact"]},
        "target_likelihood": {"ja": ["目標発生確率"], "en": ["Target Likelihood", "Residual Likelihood"]},
        "treatment": {"ja": ["対応方針", "リスク対応"], "en": ["Treatment", "Risk Treatment", "Risk Response"]},
        "counterparty": {"ja": ["移転先"], "en": ["Counterparty", "Transferred To"]},
        "treatment_rationale": {"ja": ["対応理由"], "en": ["Treatment Rationale", "Rationale"]},
        "accepted_until": {"ja": ["受容期限"], "en": ["Accepted Until", "Acceptance Expiry"]},
    },
    required=("title", "impact", "likelihood"),
)
APPETITE = Sheet(
    "appetite",
    {"ja": ["リスク許容度", "リスク選好"], "en": ["Appetite", "Risk Appetite", "Risk Tolerance"]},
    {
        "category": {"ja": ["カテゴリ", "カテゴリー", "分類", "範囲"], "en": ["Category", "Scope"]},
        "appetite": {"ja": ["許容度", "リスク選好", "選好"], "en": ["Appetite", "Risk Appetite"]},
        "tolerance": {"ja": ["許容範囲", "許容限度"], "en": ["Tolerance", "Risk Tolerance"]},
        "basis": {"ja": ["評価対象", "基準"], "en": ["Basis", "Measured On"]},
    },
    required=("category", "appetite"),
)
MITIGATIONS = Sheet(
    "mitigations",
    {"ja": ["対策", "軽減策"], "en": ["Mitigations", "Countermeasures", "Controls"]},
    {
        "risk": _RISK_REF,
        "number": _NUMBER,
        "title": {
            "ja": ["対策", "タイトル", "名称"],
            "en": ["Mitigation", "Title", "Countermeasure", "Control", "Name"],
        },
        "detail": _DETAIL,
        "language": _LANGUAGE,
    },
    required=("risk", "title"),
)
INDICATORS = Sheet(
    "indicators",
    {"ja": ["監視指標", "指標"], "en": ["Indicators", "KRIs", "Key Risk Indicators"]},
    {
        "risk": _RISK_REF,
        "name": {"ja": ["指標", "監視指標", "指標名"], "en": ["Indicator", "KRI", "Name", "Metric"]},
        "early_warning": {
            "ja": ["早期警告", "早期警戒", "ルール"],
            "en": ["Early Warning", "Rule", "Trigger", "Threshold"],
        },
    },
    required=("risk", "name"),
)
METRICS = Sheet(
    "metrics",
    {"ja": ["ダッシュボード", "主要監視指標", "メトリクス"], "en": ["Metrics", "Dashboard", "Key Monitoring Metrics"]},
    {
        "category": {"ja": ["カテゴリ", "カテゴリー", "分類"], "en": ["Category"]},
        "name": {"ja": ["指標", "指標名", "メトリクス"], "en": ["Metric", "Name", "Indicator"]},
        "normal": {"ja": ["正常範囲", "正常"], "en": ["Normal Range", "Normal"]},
        "warning": {"ja": ["警告閾値", "警告"], "en": ["Warning Threshold", "Warning"]},
        "critical": {"ja": ["危険閾値", "危険", "緊急"], "en": ["Critical Threshold", "Critical"]},
    },
    required=("name", "normal", "warning", "critical"),
)
SCALES = Sheet(
    "scales",
    {"ja": ["評価基準", "リスク評価基準"], "en": ["Scales", "Criteria", "Assessment Criteria"]},
    {
        "axis": {"ja": ["軸"], "en": ["Axis"]},
        "label": {"ja": ["レベル", "ラベル"], "en": ["Level", "Label"]},
        "min": {"ja": ["最小"], "en": ["Min", "From"]},
        "max": {"ja": ["最大"], "en": ["Max", "To"]},
        "description": _DESCRIPTION,
    },
    required=("axis", "label", "min"),
)
ALERT_RULES = Sheet(
    "alert_rules",
    {"ja": ["アラート設定", "アラート"], "en": ["Alert Rules", "Alerts", "Alert Configuration"]},
    {
        "priority": {"ja": ["優先度", "種別"], "en": ["Priority", "Kind"]},
        "condition": {"ja": ["条件", "アラート"], "en": ["Condition", "Alert", "Rule"]},
    },
    required=("priority", "condition"),
)
STRATEGIES = Sheet(
    "strategies",
    {"ja": ["軽減戦略", "リスク軽減戦略"], "en": ["Strategies", "Mitigation Strategies"]},
    {
        "kind": {"ja": ["種別", "区分"], "en": ["Kind", "Type"]},
        "number": _NUMBER,
        "title": _TITLE,
        "detail": _DETAIL,
        "language": _LANGUAGE,
    },
    required=("kind", "title"),
)
REVIEWS = Sheet(
    "reviews",
    {"ja": ["レビュー", "チェックリスト"], "en": ["Reviews", "Checklist", "Review Checklist"]},
    {
        "kind": {"ja": ["種別", "レビュー"], "en": ["Review", "Kind"]},
        "template": {"ja": ["テンプレート名", "名称"], "en": ["Template", "Template Name"]},
        "section": {"ja": ["セクション", "区分"], "en": ["Section"]},
        "item": {"ja": ["項目", "チェック項目", "手順"], "en": ["Item", "Step", "Check"]},
        "description": _DESCRIPTION,
    },
    required=("kind", "item"),
)
SHEETS = (RISKS, MITIGATIONS, INDICATORS, METRICS, SCALES, ALERT_RULES, STRATEGIES, REVIEWS, APPETITE)

AXES = {"impact": ["impact", "severity", "影響度", "影響"], "likelihood": ["likelihood", "probability", "発生確率"]}
PRIORITIES = {
    "immediate": ["immediate", "page", "critical", "即座対応", "即時", "緊急"],
    "watch": ["watch", "ticket", "warning", "monitor", "監視", "要監視"],
}
STRATEGY_KINDS = {
    "preventive": ["preventive", "prevention", "予防", "予防的対策"],
    "reactive": ["reactive", "response", "対応", "対応的対策", "事後"],
}
REVIEW_KINDS = {"weekly": ["weekly", "週次"], "monthly": ["monthly", "月次"]}
WORDS_OUT = {
    "axis": {
        "ja": {"impact": "影響度", "likelihood": "発生確率"},
        "en": {"impact": "Impact", "likelihood": "Likelihood"},
    },
    "priority": {"ja": {"immediate": "即座対応", "watch": "監視"}, "en": {"immediate": "Immediate", "watch": "Watch"}},
    "kind": {
        "ja": {"preventive": "予防", "reactive": "対応"},
        "en": {"preventive": "Preventive", "reactive": "Reactive"},
    },
    "review": {"ja": {"weekly": "週次", "monthly": "月次"}, "en": {"weekly": "Weekly", "monthly": "Monthly"}},
}


def lookup(table: dict[str, list[str]], text: str) -> str | None:
    for wanted in _variants(text):
        for key, words in table.items():
            if any(_key(w) == wanted for w in words):
                return key
    return None
