"""The search page as a lead uses it: a Japanese query finds the English incident, an English query
the Japanese one, an unrelated query says there is no match — in English and Japanese, at a
laptop's width."""

from __future__ import annotations

import json
import os

import pytest

from tests.e2e.conftest import layout_problems, switch_language
from tests.integration.services import use_broker

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.once]

INCIDENTS = {
    "pool": "PostgreSQL connection pool exhausted during the evening peak",
    "cert": "TLS 証明書の有効期限切れにより、決済サービスの外部 API への接続がすべて失敗した",
    "backlog": "The RabbitMQ queue backlog grew to two million messages; notifications were delayed",
    "memleak": "Celery ワーカーのメモリリークにより OOM Killer がプロセスを強制終了した",
}


@pytest.fixture
def incidents(graph_server, vector_server, redis_url, transactional_db):
    from django.core.management import call_command

    from incidents.models import Incident

    use_broker(redis_url)  # the outbox queues its drain after commit; the rebuild projects instead
    created = {key: Incident.objects.create(title=title, status="closed") for key, title in INCIDENTS.items()}
    call_command("rebuild_projections", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return created


def first_result(page) -> str:
    return page.locator("#content table tbody tr").first.inner_text()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_search_crosses_languages_and_says_no_match(page, site, incidents, language):
    if language != "en":
        switch_language(page, language)
    problems = {}
    for step, query, expected in [
        ("ja-query", "データベースの接続プールが枯渇した", INCIDENTS["pool"]),
        ("en-query", "An expired certificate broke calls to the payment provider", INCIDENTS["cert"][:20]),
        ("term", "RabbitMQ", INCIDENTS["backlog"][:20]),
    ]:
        page.goto(site + "/admin/search/?type=incident&q=" + query)
        assert expected in first_result(page), (query, page.locator("#content").inner_text()[:500])
        page.shots.take(page, f"{step}-{language}")
        problems.update(layout_problems(page, f"search {step}"))
    page.goto(site + "/admin/search/?type=incident&q=How long should I bake a cheesecake?")
    assert page.locator("#content table").count() == 0
    no_match = {"en": "No match", "ja": "該当なし"}[language]
    assert no_match in page.locator("#content").inner_text()
    page.shots.take(page, f"no-match-{language}")
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
