"""The shop's policy pages (/pages/<kind>) and 'Contact the shop' (/contact): a form whose
message reaches the shop's owners by e-mail, their addresses never shown (app/shops/contact.py).

The contact form is CSRF-protected like every form, has a honeypot field that people never
see (a bot that fills it is answered as if its message went, and nothing is sent), and is
rate-limited per client address across all shops (CONTACT_RATE_LIMIT, counted for messages
accepted), so one machine cannot flood the platform's owners. A refused message keeps the
shopper's text on the page.
"""

from __future__ import annotations

import logging

from flask import abort, current_app, g, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from app.extensions import limiter
from app.i18n import lazy_gettext
from app.shops import contact, pages

from .rendering import render_storefront
from .views import bp

log = logging.getLogger(__name__)
HONEYPOT = "website"
TOO_MANY = lazy_gettext("You have sent several messages in a short time, so this one was not sent. "
                        "Please wait a few minutes and send it again: your text is kept below.")


@bp.get("/pages/<kind>")
def policy_page(kind: str):
    if not pages.is_page_kind(kind):
        abort(404)
    return render_storefront("page.html", page=pages.policy_page(g.shop, kind),
                             policy_pages=pages.PAGE_KINDS)


def _allows_message() -> bool:
    """Count one message from this client address; False when it is over the limit."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return True
    allowed = True
    for item in parse_many(config["CONTACT_RATE_LIMIT"]):
        allowed = limiter.limiter.hit(item, "contact-ip", get_remote_address()) and allowed
    return allowed


@bp.route("/contact", methods=["GET", "POST"])
def contact_shop():
    form = request.form
    values = {"name": form.get("name", ""), "email": form.get("email", ""),
              "order_number": form.get("order_number", request.args.get("order", "")),
              "message": form.get("message", "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        message, errors = contact.read_message(**values)
        if not errors and not _allows_message():
            errors["form"] = TOO_MANY
            return _contact_page(values, errors, status=429)
        if not errors:
            if form.get(HONEYPOT, "").strip():
                log.info("contact form: honeypot filled in, nothing sent (shop %s)", g.shop.id)
            else:
                contact.send_to_owners(g.shop, message)
            return render_storefront("contact.html", sent=True, message=message)
    return _contact_page(values, errors, status=422 if errors else 200)


def _contact_page(values: dict, errors: dict, status: int):
    return render_storefront("contact.html", sent=False, values=values, errors=errors,
                             honeypot=HONEYPOT, policy_pages=pages.PAGE_KINDS, status=status)
