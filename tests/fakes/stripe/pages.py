"""The hosted pages: checkout (Pay / Cancel) and Connect onboarding: a part of the fake Stripe (see server.py)."""

from __future__ import annotations

import html
from typing import Any

from werkzeug.wrappers import Request, Response

from .errors import FakeStripeError
from .money import format_amount


class HostedPages:
    """The hosted pages: checkout (Pay / Cancel) and Connect onboarding (a part of FakeStripe)."""

    @staticmethod
    def _html(status: int, title: str, body: str) -> Response:
        page = (
            '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>\n<body><main>\n{body}\n</main></body></html>\n"
        )
        return Response(page, status=status, mimetype="text/html")

    @staticmethod
    def _redirect(location: str, status: int) -> Response:
        return Response(
            f'<!doctype html>\n<p>Redirecting to <a href="{html.escape(location)}">{html.escape(location)}</a></p>\n',
            status=status,
            headers={"Location": location},
            mimetype="text/html",
        )

    def _pay_page(self, request: Request, session_id: str) -> Response:
        if request.method not in ("GET", "HEAD", "POST"):
            return self._html(405, "Method not allowed", "<p>Method not allowed.</p>")
        with self._lock:
            session = self._store.get(session_id)
            if session is None or session["object"] != "checkout.session":
                return self._html(404, "Not found", "<h1>Checkout Session not found</h1>")
            error = None
            if request.method == "POST":
                if session["status"] != "open":
                    return self._checkout_page(session, status=409)
                card = request.form.get("card") or "success"
                try:
                    self._pay(session_id, card, request.form.get("email") or None)
                except FakeStripeError as exc:
                    return self._checkout_page(session, error=str(exc), status=400)
                if session["status"] == "complete":
                    location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                    return self._redirect(location, 303)
                intent = self._store[self._session_intent[session_id]]
                error = intent["last_payment_error"]["message"]
                return self._checkout_page(session, error=error, status=402)
            return self._checkout_page(session, status=410 if session["status"] == "expired" else 200)

    def _checkout_page(self, session: dict[str, Any], *, error: str | None = None, status: int = 200) -> Response:
        esc = html.escape
        session_id = session["id"]
        total = format_amount(session["amount_total"], session["currency"])
        rows = "".join(
            f"<tr><td>{esc(item['description'])}</td><td>{item['quantity']}</td>"
            f"<td>{esc(format_amount(item['amount_total'], item['currency']))}</td></tr>\n"
            for item in self._line_items.get(session_id, [])
        )
        parts = [
            "<h1>Fake Stripe Checkout</h1>",
            f'<p>Session <code id="session-id">{esc(session_id)}</code></p>',
            f"<table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th></tr></thead>\n<tbody>\n{rows}</tbody></table>",
            f'<p>Total due: <strong id="amount-total" data-amount="{session["amount_total"]}" '
            f'data-currency="{esc(session["currency"])}">{esc(total)}</strong></p>',
        ]
        if session["status"] == "open":
            if error:
                parts.append(f'<p id="payment-error" role="alert">{esc(error)}</p>')
            options = "".join(
                f'<option value="{name}">{label}</option>'
                for name, label in (
                    ("success", "4242 4242 4242 4242 (succeeds)"),
                    ("declined", "4000 0000 0000 0002 (declined)"),
                    ("insufficient_funds", "4000 0000 0000 9995 (insufficient funds)"),
                )
            )
            parts.append(
                f'<form method="post" action="/pay/{esc(session_id)}">\n'
                f'<p><label>Email <input type="email" name="email" value="{esc(session["customer_email"] or "")}"></label></p>\n'
                f'<p><label>Card <select name="card" id="card">{options}</select></label></p>\n'
                '<p><button type="submit" id="pay">Pay</button></p>\n</form>'
            )
            if session["cancel_url"]:
                parts.append(f'<p><a id="cancel" href="{esc(session["cancel_url"])}">Cancel</a></p>')
        elif session["status"] == "complete":
            parts.append('<p id="session-status">This Checkout Session is complete: already paid.</p>')
        else:
            parts.append('<p id="session-status">This Checkout Session has expired.</p>')
        return self._html(status, "Fake Stripe Checkout", "\n".join(parts))

    def _onboard_page(self, request: Request, link_id: str) -> Response:
        with self._lock:
            link = self._links.get(link_id)
            if link is None:
                return self._html(404, "Not found", "<h1>This onboarding link does not exist</h1>")
            if link["used"] or self._now() > link["expires_at"]:
                # Stripe: an expired or already visited link sends the user to refresh_url
                return self._redirect(link["refresh_url"], 302)
            link["used"] = True
            if request.args.get("outcome") not in ("incomplete", "abandon"):
                self._complete_onboarding(link["account"])
            return self._redirect(link["return_url"], 302)
