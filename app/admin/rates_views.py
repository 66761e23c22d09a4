"""Exchange rates: the admin sets what one unit of a catalog currency is worth in each other
currency, so shops selling in those currencies can list that supply (app/catalog/exchange.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.catalog import exchange
from app.i18n import _
from app.unit_of_work import refuse

from .views import NAV_SECTIONS, bp

NAV_SECTIONS.update({"exchange_rates": "money", "save_exchange_rates": "money"})


def _pairs() -> list[tuple[str, str]]:
    return exchange.rate_pairs()


def _field(source: str, target: str) -> str:
    return f"rate-{source}-{target}"


@bp.get("/rates")
def exchange_rates(problems=None, typed=None):
    rates = exchange.rates()
    rows = [{"source": s, "target": t, "field": _field(s, t), "rate": rates.get((s, t)),
             "typed": (typed or {}).get((s, t)), "problem": (problems or {}).get((s, t))}
            for s, t in _pairs()]
    return render_template("admin/rates.html", rows=rows), 400 if problems else 200


@bp.post("/rates")
def save_exchange_rates():
    typed = {(s, t): request.form.get(_field(s, t), "") for s, t in _pairs()}
    problems = exchange.save_rates(typed, current_user.id)
    if problems:
        refuse()
        return exchange_rates(problems=dict(problems), typed=typed)
    flash(_("Exchange rates saved. Shops see converted prices from now on."), "success")
    return redirect(url_for(".exchange_rates"))
