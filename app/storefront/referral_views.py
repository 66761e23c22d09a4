"""The referral programme on the storefront: a promoter's link (`?ref=<code>` on any page),
the "Become a promoter" page, and each promoter's own page (link, QR code, clicks, orders,
what they earned), reached by the secret link e-mailed to them.

Two signed cookies, on the shop's own host only:
- `fs_ref`: which promoter brought this browser, and when (the binding period runs from
  then). Set once; a browser already brought by someone stays theirs for the period.
- `fs_promoter`: this browser belongs to a promoter (they opened their page), so the share
  links it makes carry their code (`g.sharer_code`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import segno
from flask import abort, current_app, flash, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from app.analytics.counting import is_bot
from app.errors import DomainError
from app.extensions import limiter
from app.i18n import _
from app.ledger.connect import status_of
from app.payout_onboarding import secret_link_payout_routes
from app.referrals import services as referrals
from app.unit_of_work import refuse

from .rendering import render_storefront
from .views import bp

VISIT_COOKIE = "fs_ref"
SHARER_COOKIE = "fs_promoter"
YEAR = 365 * 86400


def referral_signer(secret_key: str, kind: str) -> URLSafeSerializer:
    """What signs the "visit" and the "sharer" cookie (the page cache reads them too)."""
    return URLSafeSerializer(secret_key, salt=f"flagship-referral-{kind}")


def referral_cookie(signer: URLSafeSerializer, raw: str | None, shop_id: int) -> list | None:
    """A referral cookie's value for this shop, or None: absent, forged, another shop's."""
    if not raw:
        return None
    try:
        value = signer.loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, list) and len(value) == 3 and value[0] == shop_id else None


def visit_of(value: list | None) -> tuple[int, int | float] | None:
    """(promoter id, when the binding began, as a timestamp) of a "visit" cookie's value."""
    if value is None or not isinstance(value[1], int) or not isinstance(value[2], int | float):
        return None
    return value[1], value[2]


def sharer_code_of(value: list | None) -> str | None:
    """The promoter code of a "sharer" cookie's value."""
    return value[2] if value is not None and isinstance(value[2], str) else None


def _signer(kind: str) -> URLSafeSerializer:
    return referral_signer(current_app.config["SECRET_KEY"], kind)


def _read(kind: str, cookie: str):
    return referral_cookie(_signer(kind), request.cookies.get(cookie), g.shop.id)


def _visit() -> referrals.Visit | None:
    visit = visit_of(_read("visit", VISIT_COOKIE))
    return referrals.Visit(visit[0], datetime.fromtimestamp(visit[1], UTC)) if visit else None


def _set_cookie(response, kind: str, cookie: str, value: list, max_age: int):
    response.set_cookie(cookie, _signer(kind).dumps(value), max_age=max_age, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


@bp.before_request
def _referral_visit():
    """Who brought this visitor; a promoter's link counts the click, remembers it, and
    answers with the same page without `ref` (one address per page, for caches and shares)."""
    shop = g.get("shop")
    if shop is None:
        return None
    g.referral_visit = _visit() if shop.referral_open else None
    sharer = sharer_code_of(_read("sharer", SHARER_COOKIE))
    g.sharer_code = sharer if shop.referral_open else None
    if request.method != "GET" or "ref" not in request.args:
        return None
    code = request.args.get("ref")
    own = g.sharer_code is not None and g.sharer_code == referrals.normal_code(code)
    # A chat app's link preview, a crawler: it gets the page, but it is nobody the promoter
    # brought, so it counts no click and is bound to no one.
    landed = None if own or is_bot(request.environ) else referrals.land(shop, code, g.referral_visit)
    rest = {key: value for key, value in request.args.items(multi=True) if key != "ref"}
    response = redirect(url_for(request.endpoint, **(request.view_args or {}), **rest))
    if landed is not None:
        _set_cookie(response, "visit", VISIT_COOKIE,
                    [shop.id, landed.promoter_id, int(landed.bound_at.timestamp())],
                    int(referrals.binding_period(shop).total_seconds()))
    return response


@bp.context_processor
def _referral_disclosure():
    """`recommender`: the promoter who brought this shopper, for the pages to say plainly
    that they earn a commission (the price is the same)."""
    shop = g.get("shop")
    if shop is None or g.get("referral_visit") is None:
        return {"recommender": None}
    promoter = referrals.visiting_promoter(shop)
    g.named_promoter_id = promoter.id if promoter is not None else None  # for the page cache
    return {"recommender": promoter, "recommender_rate": referrals.percent(shop.referral_level1_bp)}


def _join_limit() -> str:
    return current_app.config["CHECKOUT_EMAIL_RATE_LIMIT"]


@bp.route("/promote", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"])
def join_promoters():
    """Become a promoter: name and e-mail; the page's link goes to that address only (the
    same answer whether or not the address was a promoter already)."""
    shop = g.shop
    if not shop.referral_open:
        abort(404)
    recruiter = referrals.promoter_by_code(request.values.get("by"))
    values = {"name": request.form.get("name", "").strip()[:80], "email": request.form.get("email", "").strip()[:254]}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            promoter, token = referrals.join(shop, recruited_by=recruiter.code if recruiter else None, **values)
        except DomainError as error:
            refuse()
            errors[error.field or "form"] = error.message
        else:
            if promoter is not None:
                referrals.send_page_link(promoter, shop, token)
            return render_storefront("promote_join.html", sent=True, email=values["email"].lower())
    return render_storefront("promote_join.html", sent=False, values=values, errors=errors,
                             recruiter=recruiter if recruiter and recruiter.is_active else None,
                             rate=referrals.percent(shop.referral_level1_bp),
                             second_rate=referrals.percent(shop.referral_level2_bp),
                             hold_days=current_app.config["COMMISSION_HOLD_DAYS"],
                             status=422 if errors else 200)


def _promoter_or_404(promoter_id: int, token: str):
    promoter = referrals.promoter_for_page(promoter_id, token)
    if promoter is None:
        abort(404)
    return promoter


@bp.get("/promote/<int:promoter_id>/<token>")
def promoter_page(promoter_id: int, token: str):
    shop = g.shop
    promoter = _promoter_or_404(promoter_id, token)
    link = referrals.link_of(promoter, shop)
    qr = Markup(segno.make(link, error="m").svg_inline(scale=5, border=2, dark="#111111", omitsize=True))  # noqa: S704 - segno's own SVG
    response = current_app.make_response(render_storefront(
        "promoter.html", promoter=promoter, link=link, qr=qr, summary=referrals.summary(promoter),
        commissions=referrals.recent_commissions(promoter), token=token,
        recruit_url=referrals.recruit_url(promoter, shop) if shop.referral_level2_bp and not shop.referral_invite_only
        else None,
        rate=referrals.percent(shop.referral_level1_bp), second_rate=referrals.percent(shop.referral_level2_bp),
        hold_days=current_app.config["COMMISSION_HOLD_DAYS"], payouts=status_of("promoter", promoter.id)))
    response.headers["Cache-Control"] = "no-store"
    return _set_cookie(response, "sharer", SHARER_COOKIE, [shop.id, promoter.id, promoter.code], YEAR)


secret_link_payout_routes(bp, name="promoter_payouts", rule="/promote/<int:promoter_id>/<token>",
                          payee_type="promoter", find=_promoter_or_404, email_of=lambda promoter: promoter.email,
                          page="promoter_page")


@bp.post("/promote/<int:promoter_id>/<token>/forget")
def forget_promoter_browser(promoter_id: int, token: str):
    """Stop this browser's share links carrying the promoter's code (a shared computer)."""
    _promoter_or_404(promoter_id, token)
    flash(_("This browser no longer adds your code to the links it shares."), "info")
    response = redirect(url_for(".home"))
    response.delete_cookie(SHARER_COOKIE)
    return response
