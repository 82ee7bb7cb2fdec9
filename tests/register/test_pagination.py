import pytest
from django.core.paginator import Paginator

from core.pagination import DeferredJoinPaginator
from register.models import Risk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("per_page", "orphans"), [(5, 0), (7, 2), (50, 0)])
def test_pages_match_plain_slicing(per_page, orphans):
    for i in range(23):
        Risk(title=f"r{i}", impact=1 + i % 5, likelihood=1 + i % 2).save()
    queryset = Risk.objects.select_related("category").prefetch_related("components").order_by("-score", "number")
    plain = Paginator(queryset, per_page, orphans=orphans)
    deferred = DeferredJoinPaginator(queryset, per_page, orphans=orphans)
    assert deferred.num_pages == plain.num_pages
    for number in plain.page_range:
        expected = [r.code for r in plain.page(number)]
        assert [r.code for r in deferred.page(number)] == expected
