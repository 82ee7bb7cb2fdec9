"""Fill the Japanese catalogue from the glossary below (run by hand after `make messages`).

Keeping the glossary in one file makes terms consistent with the user's plan (影響度, 発生確率, 対策 …).
"""

import re
import sys
from pathlib import Path

GLOSSARY = {
    "Incidents": "インシデント",
    "normal": "正常",
    "warning": "警告",
    "critical": "危険",
    "Monitoring": "監視",
    "Higher is worse": "高いほど悪い",
    "Lower is worse": "低いほど悪い",
    "Normal": "正常",
    "Warning": "警告",
    "Critical": "危険",
    "Immediate response": "即座対応",
    "Watch": "監視",
    "key": "キー",
    "name": "名前",
    "category": "カテゴリ",
    "unit": "単位",
    "direction": "方向",
    "warning threshold": "警告閾値",
    "critical threshold": "危険閾値",
    "description": "説明",
    "metric": "指標",
    "metrics": "指標",
    "Must be a finite number.": "有限の数値を入力してください。",
    "When higher is worse the critical threshold must be above the warning one.": "高いほど悪い指標では、危険閾値は警告閾値より大きくしてください。",
    "When lower is worse the critical threshold must be below the warning one.": "低いほど悪い指標では、危険閾値は警告閾値より小さくしてください。",
    "Give a key; none can be derived from this name.": "キーを入力してください（名前から生成できません）。",
    "priority": "優先度",
    "condition": "条件",
    "As written in the plan.": "計画書の記載どおり。",
    "operator": "演算子",
    "threshold": "閾値",
    "order": "順序",
    "alert rule": "アラートルール",
    "alert rules": "アラートルール",
    "An operator and a threshold go together: give both or neither.": "演算子と閾値は両方指定するか、両方空にしてください。",
    "parsed rule": "解析結果",
    "score history": "スコア履歴",
    "from": "変更前",
    "to": "変更後",
    "Reason for a score change": "スコア変更の理由",
    "Stored in the score history when impact or likelihood changes.": "影響度または発生確率を変更した場合、スコア履歴に記録されます。",
    "Assessment": "評価",
    "Details": "詳細",
    "Timestamps": "日時",
    "level": "レベル",
    "snippet": "コード",
    "colour": "色",
    "riskregister": "リスクレジスター",
    "Risk register": "リスクレジスター",
    "Risk heat map": "リスクヒートマップ",
    "Impact": "影響度",
    "Likelihood": "発生確率",
    "Low": "低",
    "Medium": "中",
    "High": "高",
    "Open": "オープン",
    "Mitigating": "対応中",
    "Accepted": "受容",
    "Closed": "クローズ",
    "Plan import": "計画インポート",
    "Manual edit": "手動編集",
    "Review": "レビュー",
    "Preventive": "予防的",
    "Reactive": "対応的",
    "Planned": "計画済み",
    "In progress": "実施中",
    "Done": "完了",
    "Dropped": "中止",
    "No rule": "ルールなし",
    "Threshold": "閾値",
    "Any occurrence": "発生時",
    "Manual (not machine-readable)": "手動（機械判定不可）",
    "Weekly": "週次",
    "Monthly": "月次",
    "risk": "リスク",
    "early warning": "早期警告",
    "As written, e.g. 応答時間が400msを超えた場合 or '> 400 ms'.": "記載どおり。例: 応答時間が400msを超えた場合、または '> 400 ms'。",
    "rule kind": "ルール種別",
    "indicator": "監視指標",
    "indicators": "監視指標",
    "any occurrence": "発生時",
    "A threshold rule needs an operator and a threshold.": "閾値ルールには演算子と閾値が必要です。",
    "Only threshold rules carry an operator and a threshold.": "演算子と閾値は閾値ルールにのみ指定できます。",
    "number": "番号",
    "title": "タイトル",
    "kind": "種別",
    "detail": "詳細",
    "Code or configuration, kept verbatim.": "コードや設定（記載どおりに保存）。",
    "snippet language": "コード言語",
    "status": "ステータス",
    "owner": "担当者",
    "due date": "期限",
    "mitigation": "対策",
    "mitigations": "対策",
    "strategy": "軽減戦略",
    "strategies": "軽減戦略",
    "review template": "レビューテンプレート",
    "review templates": "レビューテンプレート",
    "template": "テンプレート",
    "section": "セクション",
    "text": "内容",
    "review template item": "レビュー項目",
    "review template items": "レビュー項目",
    "code": "コード",
    "The risk's number in the plan; the code R-N is derived from it.": "計画書でのリスク番号。コード R-N はここから決まります。",
    "impact description": "影響",
    "impact": "影響度",
    "likelihood": "発生確率",
    "score": "スコア",
    "stated level": "計画書記載のレベル",
    "The level the plan states; the importer warns when it disagrees with the computed one.": "計画書に記載されたレベル。計算結果と異なる場合、インポート時に警告します。",
    "components": "コンポーネント",
    "next review": "次回レビュー",
    "created": "作成日時",
    "updated": "更新日時",
    "risks": "リスク",
    "Can change every risk, not only owned ones": "担当外を含むすべてのリスクを変更できる",
    "Must be a whole number from 1 to 5.": "1〜5の整数を入力してください。",
    "Must be 1 or more.": "1以上を入力してください。",
    "changed at": "変更日時",
    "changed by": "変更者",
    "old impact": "旧影響度",
    "old likelihood": "旧発生確率",
    "new impact": "新影響度",
    "new likelihood": "新発生確率",
    "reason": "理由",
    "source": "変更元",
    "score change": "スコア変更",
    "axis": "軸",
    "label": "ラベル",
    "scale band": "評価基準",
    "scale bands": "評価基準",
    "The upper bound must not be below the lower bound.": "上限は下限以上にしてください。",
    "from score": "開始スコア",
    "Use a hex colour such as #d9534f.": "#d9534f のような16進カラーで入力してください。",
    "level band": "リスクレベル",
    "level bands": "リスクレベル",
    "categories": "カテゴリ",
    "aliases": "別名",
    "Comma-separated words that name this component in plan text (e.g. Chroma, ベクトル).": "計画書の本文でこのコンポーネントを指す語（カンマ区切り、例: Chroma, ベクトル）。",
    "component": "コンポーネント",
    "English": "英語",
    "Japanese": "日本語",
    "Heat map": "ヒートマップ",
    "Language": "言語",
    "Change language": "言語を変更",
    "Hide closed risks": "クローズ済みを隠す",
    "Include closed risks": "クローズ済みを含める",
    "Open risks by level": "レベル別の未クローズのリスク",
    "Level bands must cover scores 1–25 without gaps or overlaps: %(errors)s": "リスクレベルはスコア1〜25を隙間なく重複なく覆う必要があります: %(errors)s",
}


def unquote(lines):
    return (
        "".join(re.match(r'^(?:msgid |msgstr )?"(.*)"$', line).group(1) for line in lines)
        .encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode("utf-8")
    )


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fill(path: Path) -> int:
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    missing = 0
    for n, block in enumerate(blocks):
        lines = block.split("\n")
        ids = [i for i, line in enumerate(lines) if line.startswith("msgid ")]
        strs = [i for i, line in enumerate(lines) if line.startswith("msgstr ")]
        if not ids or not strs:
            continue
        msgid = unquote(lines[ids[0] : strs[0]])
        if not msgid:
            continue
        translation = GLOSSARY.get(msgid)
        if translation is None:
            missing += 1
            print(f"untranslated: {msgid!r}", file=sys.stderr)
            continue
        lines = [line for line in lines[: strs[0]] if line != "#, fuzzy"] + [f"msgstr {quote(translation)}"]
        blocks[n] = "\n".join(lines)
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return missing


if __name__ == "__main__":
    fill(Path(__file__).resolve().parent.parent / "riskregister" / "locale" / "ja" / "LC_MESSAGES" / "django.po")
