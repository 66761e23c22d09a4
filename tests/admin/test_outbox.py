"""Admin: the outbox of e-mails, with HTML bodies shown in a sandbox."""

from __future__ import annotations

from app.notifications.services import record_email
from tests.admin.conftest import page_text


def test_outbox_lists_emails(admin):
    record_email("test:1", to="ada@example.com", subject="Your order FS-1", body_text="Thanks!")
    record_email("test:2", to="bo@example.com", subject="Your order FS-2", body_text="Thanks!")
    page = page_text(admin.get("/admin/outbox"))
    assert "ada@example.com" in page and "Your order FS-2" in page and "badge-pending" in page


def test_outbox_email_shows_text_and_sandboxed_html(admin):
    email, _ = record_email(
        "test:3", to="ada@example.com", subject="Hello", body_text="Plain <b>text</b>",
        body_html='<p onclick="x()">Hi &amp; welcome</p><script>alert("boom")</script>')
    page = page_text(admin.get(f"/admin/outbox/{email.id}"))
    assert "Plain &lt;b&gt;text&lt;/b&gt;" in page
    start = page.index("<iframe")
    iframe = page[start:page.index("</iframe>", start)]
    assert " sandbox " in iframe and "allow-scripts" not in iframe
    assert "srcdoc=\"&lt;p onclick=&#34;x()&#34;&gt;Hi &amp;amp; welcome&lt;/p&gt;&lt;script&gt;" in iframe
    assert "<script>alert" not in page
    assert admin.get("/admin/outbox/999999").status_code == 404


def test_outbox_paginates(admin):
    for n in range(55):
        record_email(f"test:p{n}", to=f"p{n}@example.com", subject=f"Message {n}", body_text=".")
    first = page_text(admin.get("/admin/outbox"))
    assert "Page 1 of 2" in first and "page=2" in first
    assert "Page 2 of 2" in page_text(admin.get("/admin/outbox?page=2"))
