"""Default evidence for the plan's weekly checklist: which figures each item looks at.

Matched on the item's text (ja or en) and the metrics' names, so a re-worded plan or a metric that
does not exist yet simply stays unbound: the review then says "no data: bind a metric" instead of
inventing a number. Admins change bindings on the review template.
"""

from __future__ import annotations

# (words in the checklist item, evidence kind, words in the names of the metrics to bind)
BINDINGS: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    (("API応答時間", "API response time"), "metric", ("API応答時間", "API response time")),
    (("データベースクエリ", "database query"), "metric", ("クエリ応答時間", "query response time")),
    (
        ("リソース使用率", "resource utilization"),
        "metric",
        ("CPU使用率", "メモリ使用率", "CPU utilization", "memory utilization"),
    ),
    (("テストカバレッジ", "test coverage"), "metric", ("テストカバレッジ", "test coverage", "coverage")),
    (("バグ発生率", "bug occurrence"), "metric", ("バグ発生率", "bug rate")),
    (("コード品質", "code quality"), "metric", ("コード品質", "code quality")),
    (("認証ログ", "authentication log"), "metric", ("認証成功率", "authentication success")),
    (("アクセスパターン", "access pattern"), "metric", ("スループット", "throughput")),
    (("デプロイ成功率", "deployment success"), "metric", ("デプロイ成功率", "deployment success", "deploy success")),
    (("新規リスク", "new risk", "再評価", "reassess"), "risks", ()),
    (("インシデント", "incident"), "incidents", ("エラー率", "システム稼働率", "error rate", "system uptime")),
    (("アラート精度", "alert accuracy"), "alerts", ()),
]


def binding_for(text: str) -> tuple[str, tuple[str, ...]] | None:
    folded = text.casefold()
    for words, kind, metric_words in BINDINGS:
        if any(word.casefold() in folded for word in words):
            return kind, metric_words
    return None


def bind(item, metric_model) -> bool:
    """Give a template item its default evidence; False when nothing in the table matches it."""
    found = binding_for(item.text)
    if found is None:
        return False
    kind, metric_words = found
    item.evidence = kind
    item.save(update_fields=["evidence"])
    wanted = {word.casefold() for word in metric_words}
    item.metrics.set([m for m in metric_model.objects.all() if m.name.casefold() in wanted])
    return True
