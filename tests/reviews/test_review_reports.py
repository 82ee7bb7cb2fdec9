"""Reports (HTML, PDF through the real WeasyPrint and pdftotext), mail, reminders, review-now flags."""

import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from monitoring.alerting import actions as monitoring_actions
from monitoring.models import Alert, Indicator, Metric
from register import appetite
from register.models import Appetite, Risk, RiskAcceptance
from reviews import reports
from reviews.actions import complete, open_review, remind_overdue
from reviews.models import ReportSubscription, Review, ReviewReport
from reviews.tasks import send_review_report
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script>'


@pytest.fixture
def reviewer(db):
    user = make_user("rene", "reviewer")
    user.email = "rene@example.test"
    user.save()
    return user


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def completed(seeded, reviewer):
    review, _ = open_review("monthly", "2026-11")
    row = review.reassessments.get(risk__code="R-1")
    row.proposed_likelihood, row.rationale = 2, f"caching shipped {XSS}"
    row.save()
    item = review.items.first()
    item.done, item.note = True, f"checked {XSS}"
    item.save()
    complete(review, reviewer)
    return Review.objects.get(pk=review.pk)


def test_the_pdf_is_a_pdf_with_codes_japanese_titles_and_figures(completed, tmp_path):
    report = reports.store(completed)
    assert bytes(report.pdf).startswith(b"%PDF-")
    text = pdf_text(bytes(report.pdf), tmp_path)
    for code in ("R-1", "R-2", "R-7"):
        assert code in text
    assert "API応答時間遅延" in text  # Japanese as text: a missing CJK font would leave no text here
    assert "4×3=12→4×2=8" in text.replace(" ", "")  # the re-score with its figures
    assert XSS in text  # printed literally, never interpreted


def test_html_escapes_notes_and_titles(completed):
    Risk.objects.filter(code="R-2").update(title='<img src=x onerror="alert(1)">')
    html = reports.render_html(completed)
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html


def test_completion_mails_the_report_with_the_pdf_once(completed):
    ReportSubscription.objects.create(email="lead@example.test")
    ReportSubscription.objects.create(email="monthly@example.test", kind="monthly")
    ReportSubscription.objects.create(email="weekly@example.test", kind="weekly")
    ReportSubscription.objects.create(email="gone@example.test", active=False)
    assert send_review_report(completed.pk) == "sent to 2"
    (message,) = mail.outbox
    assert sorted(message.bcc) == ["lead@example.test", "monthly@example.test"]
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("review-monthly-2026-11.pdf", "application/pdf") and content.startswith(b"%PDF")
    assert "R-1" in message.alternatives[0][0]
    assert send_review_report(completed.pk) == "already sent" and len(mail.outbox) == 1
    assert ReviewReport.objects.get(review=completed).sent_at is not None


def test_completing_queues_the_report_after_commit(seeded, reviewer, django_capture_on_commit_callbacks):
    review, _ = open_review("weekly", "2026-W48")
    with django_capture_on_commit_callbacks() as callbacks:
        complete(review, reviewer)
    assert len(callbacks) == 1


def test_render_review_report_command(completed, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    call_command("render_review_report", str(completed.pk), "--format", "pdf", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF") and "PDF report written" in capsys.readouterr().err
    call_command("render_review_report", str(completed.pk), "--format", "html", "--out", "-", "--language", "ja")
    assert "R-1" in capsys.readouterr().out
    with pytest.raises(Exception, match="no review with id 999"):
        call_command("render_review_report", "999", "--out", str(out))


def test_overdue_reviews_remind_their_reviewers_once_a_day(seeded, reviewer):
    from django_celery_beat.models import PeriodicTask

    schedule = PeriodicTask.objects.get(task="reviews.tasks.remind_overdue_reviews").crontab
    assert (schedule.hour, schedule.minute, schedule.day_of_week) == ("10", "0", "*")
    review, _ = open_review("weekly", "2026-W40")
    today = review.due_date + timedelta(days=3)
    assert remind_overdue(today) == 1
    assert mail.outbox[0].to == ["rene@example.test"] and "3 days ago" in mail.outbox[0].body
    assert remind_overdue(today) == 0
    assert remind_overdue(today + timedelta(days=1)) == 1


def test_a_critical_indicator_flags_its_risk_review_now(db, django_capture_on_commit_callbacks):
    from monitoring.intake import push

    risk = Risk(title="latency", impact=3, likelihood=3)
    risk.save()
    Metric.objects.create(name="lat", key="lat", unit="ms", warning=200, critical=500, source="push")
    Indicator.objects.create(risk=risk, name="lat", metric=Metric.objects.get())
    start = timezone.now() - timedelta(minutes=30)
    with django_capture_on_commit_callbacks():
        push.store(
            [
                {"metric": "lat", "value": v, "observed_at": (start + timedelta(minutes=n)).isoformat()}
                for n, v in enumerate([300, 300])
            ]
        )
    assert not Risk.objects.get(pk=risk.pk).needs_reassessment  # a warning is not a reason
    with django_capture_on_commit_callbacks():
        push.store([{"metric": "lat", "value": 900, "observed_at": (start + timedelta(minutes=5)).isoformat()}])
    risk.refresh_from_db()
    assert risk.needs_reassessment and risk.review_reason.startswith("Critical: lat")
    review, _ = open_review("weekly")
    assert list(review.reassessments.values_list("risk__code", "flagged")) == [(risk.code, True)]


def test_a_long_unhealthy_source_flags_its_risk(db):
    risk = Risk(title="graph", impact=3, likelihood=3)
    risk.save()
    metric = Metric.objects.create(name="bolt", key="bolt", unit="ms", warning=1, critical=2, source="push")
    indicator = Indicator.objects.create(risk=risk, name="bolt up", metric=metric)
    now = timezone.now()
    Alert.objects.create(
        kind="source",
        indicator=indicator,
        metric=metric,
        dedup_key="s",
        state="firing",
        title="s",
        fired_at=now - timedelta(hours=23),
    )
    assert monitoring_actions.flag_unhealthy_sources(now) == 0
    assert monitoring_actions.flag_unhealthy_sources(now + timedelta(hours=2)) == 1
    risk.refresh_from_db()
    assert risk.review_reason == "source unhealthy for 25 h: bolt up"
    assert monitoring_actions.flag_unhealthy_sources(now + timedelta(hours=3)) == 0  # flagged already


def test_the_changelist_shows_review_now_and_completion_clears_it(client, seeded, reviewer):
    Risk.objects.filter(code="R-4").flag_for_review("incident INC-9: sync drift")
    client.force_login(reviewer)
    page = client.get(reverse("admin:register_risk_changelist") + "?needs_reassessment__exact=1").content.decode()
    assert page.count('title="incident INC-9: sync drift"') == 1  # the review badge, its cause on hover
    review, _ = open_review("weekly", "2026-W48")
    complete(review, reviewer)
    risk = Risk.objects.get(code="R-4")
    assert (risk.needs_reassessment, risk.review_reason, risk.review_flagged_at) == (False, "", None)


def test_the_report_shows_appetite_acceptances_and_trajectories(seeded):
    Appetite.objects.create(appetite=6, tolerance=9, reason="cautious")
    appetite.refresh()
    r1 = Risk.objects.get(code="R-1")
    r1.target_impact, r1.target_likelihood = 4, 1
    r1.save()
    RiskAcceptance.objects.create(
        risk=r1,
        justification="x",
        conditions="weekly restore test",
        expires_on=timezone.localdate() + timedelta(days=12),
        state="active",
        accepted_score=12,
    )
    review, _ = open_review("weekly", "2026-W48")
    html = reports.render_html(review, "en")
    outside = html.split("<h2>Outside appetite</h2>")[1].split("<h2>")[0]
    assert "R-1 " in outside and "6 / 9" in outside
    expiring = html.split("<h2>Acceptances expiring within 30 days</h2>")[1].split("<h2>")[0]
    assert "weekly restore test" in expiring and (timezone.localdate() + timedelta(days=12)).isoformat() in expiring
    trajectories = html.split("<h2>Inherent → current → target</h2>")[1].split("<h2>")[0]
    assert '<td class="num">12</td><td class="num"><strong>12</strong></td><td class="num">4</td>' in trajectories
