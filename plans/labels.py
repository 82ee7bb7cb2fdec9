"""The words plans use for each part, in Japanese and English.

The parser accepts every alternative; the exporter writes the first one of the chosen language, so a
plan exported in Japanese reads like the seed plan.
"""

from __future__ import annotations

import re
import unicodedata

# field → {language: [alternatives, canonical first]}
FIELDS: dict[str, dict[str, list[str]]] = {
    "score": {"ja": ["リスクスコア", "スコア", "リスク評価"], "en": ["Risk Score", "Score", "Risk Rating"]},
    "impact_score": {"ja": ["影響度"], "en": ["Impact Score", "Impact Rating"]},
    "likelihood": {"ja": ["発生確率", "発生可能性"], "en": ["Likelihood", "Probability"]},
    "description": {"ja": ["説明", "概要"], "en": ["Description", "Summary"]},
    "impact_text": {"ja": ["影響"], "en": ["Impact", "Consequence", "Consequences"]},
    "mitigations": {
        "ja": ["対策", "軽減策", "緩和策"],
        "en": ["Countermeasures", "Mitigations", "Mitigation", "Mitigation Measures", "Controls"],
    },
    "indicators": {
        "ja": ["監視指標", "指標", "監視項目"],
        "en": ["Monitoring Metrics", "Monitoring Indicators", "Indicators", "KRIs", "KRI", "Metrics"],
    },
    "early_warning": {
        "ja": ["早期警告", "早期警戒"],
        "en": ["Early Warning", "Early-Warning", "Early Warning Rule", "Trigger"],
    },
    "status": {"ja": ["ステータス", "状態"], "en": ["Status"]},
    "owner": {"ja": ["担当者", "オーナー", "責任者"], "en": ["Owner", "Risk Owner"]},
    "components": {"ja": ["コンポーネント", "対象システム"], "en": ["Components", "Affected Systems"]},
    "next_review": {"ja": ["次回レビュー", "次回見直し"], "en": ["Next Review", "Next Review Date"]},
    "inherent_score": {
        "ja": ["固有リスク", "固有リスクスコア", "固有スコア", "対策前リスク"],
        "en": ["Inherent Risk", "Inherent Score", "Inherent Risk Score", "Inherent", "Gross Risk"],
    },
    "target_score": {
        "ja": ["目標リスク", "残存リスク", "残存リスク・目標", "目標スコア", "残存リスク（目標）"],
        "en": ["Target Risk", "Target Score", "Residual Risk", "Residual Score", "Target", "Residual"],
    },
    "treatment": {
        "ja": ["対応方針", "リスク対応", "リスク対応方針"],
        "en": ["Treatment", "Risk Treatment", "Risk Response", "Response Strategy"],
    },
    "treatment_rationale": {
        "ja": ["対応理由", "対応方針の理由", "判断理由"],
        "en": ["Treatment Rationale", "Rationale"],
    },
    "acceptance": {
        "ja": ["リスク受容", "受容期限", "受容"],
        "en": ["Risk Acceptance", "Acceptance", "Accepted Until"],
    },
}

HEADINGS: dict[str, dict[str, list[str]]] = {
    "title": {"ja": ["リスク管理計画"], "en": ["Risk Management Plan"]},
    "matrix": {
        "ja": ["リスク評価マトリックス", "リスク評価基準", "評価基準"],
        "en": ["Risk Assessment Matrix", "Risk Assessment Criteria", "Assessment Criteria", "Scoring"],
    },
    "criteria": {"ja": ["リスク評価基準"], "en": ["Risk Assessment Criteria"]},
    "risks": {
        "ja": ["特定されたリスクと対策", "特定されたリスク", "リスクと対策", "リスク一覧"],
        "en": [
            "Identified Risks and Countermeasures",
            "Identified Risks",
            "Risks and Countermeasures",
            "Risk Register",
            "Risks",
        ],
    },
    "strategies": {
        "ja": ["リスク軽減戦略", "軽減戦略", "全体対策"],
        "en": ["Risk Mitigation Strategies", "Mitigation Strategies", "Strategies"],
    },
    "preventive": {"ja": ["予防的対策", "予防策"], "en": ["Preventive Measures", "Preventive", "Prevention"]},
    "reactive": {
        "ja": ["対応的対策", "事後対策", "対応策"],
        "en": ["Reactive Measures", "Reactive", "Response Measures", "Corrective Measures"],
    },
    "dashboard": {
        "ja": ["リスク監視ダッシュボード", "監視ダッシュボード", "ダッシュボード"],
        "en": ["Risk Monitoring Dashboard", "Monitoring Dashboard", "Dashboard", "Monitoring"],
    },
    "metrics": {"ja": ["主要監視指標", "監視指標"], "en": ["Key Monitoring Metrics", "Monitoring Metrics", "Metrics"]},
    "alerts": {
        "ja": ["アラート設定", "アラートルール"],
        "en": ["Alert Configuration", "Alert Settings", "Alert Rules", "Alerts"],
    },
    "immediate": {
        "ja": ["即座対応が必要なアラート", "即座対応", "緊急アラート"],
        "en": ["Alerts Requiring Immediate Response", "Immediate Response", "Immediate", "Critical Alerts"],
    },
    "watch": {
        "ja": ["監視が必要なアラート", "要監視アラート", "監視"],
        "en": ["Alerts Requiring Monitoring", "Watch", "Monitoring Alerts", "Warning Alerts"],
    },
    "appetite": {
        "ja": ["リスク許容度", "リスク選好", "リスクアペタイト", "許容度"],
        "en": ["Risk Appetite", "Risk Tolerance", "Appetite", "Risk Appetite and Tolerance"],
    },
    "improvement": {
        "ja": ["継続的改善プロセス", "継続的改善", "レビュープロセス"],
        "en": ["Continuous Improvement Process", "Continuous Improvement", "Review Process", "Reviews"],
    },
    "weekly": {
        "ja": ["週次リスク評価", "週次レビュー", "週次"],
        "en": ["Weekly Risk Assessment", "Weekly Review", "Weekly"],
    },
    "monthly": {
        "ja": ["月次リスク見直し", "月次レビュー", "月次"],
        "en": ["Monthly Risk Review", "Monthly Review", "Monthly"],
    },
}

TABLE_COLUMNS: dict[str, list[str]] = {
    "category": ["カテゴリ", "カテゴリー", "分類", "category"],
    "name": ["指標", "指標名", "メトリクス", "metric", "indicator", "name"],
    "normal": ["正常範囲", "正常", "normal range", "normal"],
    "warning": ["警告閾値", "警告", "warning threshold", "warning"],
    "critical": ["危険閾値", "危険", "緊急", "critical threshold", "critical"],
    "description": ["説明", "description", "meaning"],
    "score": ["スコア", "score", "range"],
}

AXIS_HEADERS = {
    "impact": ["影響度", "影響", "impact", "severity"],
    "likelihood": ["発生確率", "発生可能性", "probability", "likelihood"],
}

LEVEL_WORDS = {
    "high": ["高", "高リスク", "high", "high risk"],
    "medium": ["中", "中リスク", "medium", "medium risk", "med", "moderate"],
    "low": ["低", "低リスク", "low", "low risk"],
}
LEVEL_TEXT = {
    "ja": {"high": "高リスク", "medium": "中リスク", "low": "低リスク"},
    "en": {"high": "High Risk", "medium": "Medium Risk", "low": "Low Risk"},
}
SCALE_LABEL = {
    "ja": {"high": "高", "medium": "中", "low": "低"},
    "en": {"high": "High", "medium": "Medium", "low": "Low"},
}
STATUS_WORDS = {
    "open": ["open", "未対応", "オープン"],
    "mitigating": ["mitigating", "対応中", "軽減中"],
    "accepted": ["accepted", "受容", "受容済み"],
    "closed": ["closed", "クローズ", "完了", "終了"],
}
STATUS_TEXT = {
    "ja": {"open": "オープン", "mitigating": "対応中", "accepted": "受容", "closed": "クローズ"},
    "en": {"open": "Open", "mitigating": "Mitigating", "accepted": "Accepted", "closed": "Closed"},
}


def clean_heading(text: str) -> str:
    """Drop emoji and decoration so "🚨 リスク評価マトリックス" compares as "リスク評価マトリックス"."""
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in {"So", "Sk", "Mn", "Cf"})
    return " ".join(kept.replace("*", "").split()).strip(" :：")


def normalise(text: str) -> str:
    return clean_heading(text).casefold()


def _alternatives(table: dict[str, dict[str, list[str]]], key: str) -> list[str]:
    return [alt for words in table[key].values() for alt in words]


def field_for(label: str) -> str | None:
    wanted = normalise(label)
    for key in FIELDS:
        if any(wanted == normalise(alt) for alt in _alternatives(FIELDS, key)):
            return key
    return None


def heading_is(text: str, key: str) -> bool:
    """Whole-heading match, tolerating a numbering prefix and a trailing qualifier in brackets."""
    wanted = re.sub(r"^\d+[.)]\s*", "", normalise(text))
    wanted = re.sub(r"\s*[(（].*[)）]$", "", wanted)
    return any(wanted == normalise(alt) for alt in _alternatives(HEADINGS, key))


def _lookup(table: dict[str, list[str]], text: str) -> str | None:
    wanted = normalise(text)
    return next((key for key, words in table.items() if wanted in (w.casefold() for w in words)), None)


def level_from_words(text: str) -> str | None:
    return _lookup(LEVEL_WORDS, text)


def status_from_words(text: str) -> str | None:
    return _lookup(STATUS_WORDS, text)


def column_for(header: str) -> str | None:
    return _lookup(TABLE_COLUMNS, header)


def axis_for(header: str) -> str | None:
    return _lookup(AXIS_HEADERS, header)


def label(field: str, language: str) -> str:
    return FIELDS[field][language][0]


def heading(key: str, language: str) -> str:
    return HEADINGS[key][language][0]
