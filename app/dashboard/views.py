"""The shop owner's back office: /dashboard/ and /dashboard/<shop>/..."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_login import current_user

from app.accounts.services import shops_of
from app.errors import DomainError
from app.extensions import db
from app.shops import services as shops

from . import scoping
from .forms import NewShopForm

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
scoping.install(bp)


@bp.context_processor
def _dashboard_globals():
    return {"my_shops": shops_of(current_user) if current_user.is_authenticated else []}


@bp.get("/")
def index():
    """Pick a shop (or open the first one)."""
    owned = shops_of(current_user)
    if len(owned) == 1:
        return redirect(url_for(".shop_home", shop=owned[0].subdomain))
    if not owned:
        return redirect(url_for(".new_shop"))
    return render_template("dashboard/shops.html", shops=owned)


@bp.route("/new", methods=["GET", "POST"])
def new_shop():
    form = NewShopForm()
    if form.validate_on_submit():
        try:
            shop = shops.create_shop(current_user, name=form.name.data, subdomain=form.subdomain.data,
                                     currency=form.currency.data, bio=form.bio.data)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{shop.name} is open. Add your first products next.", "success")
            return redirect(url_for(".shop_home", shop=shop.subdomain))
    return render_template("dashboard/new_shop.html", form=form), 422 if form.errors else 200


@bp.get("/<shop>/")
def shop_home():
    from app.orders.services import order_summary

    listings = shops.shop_listings()
    checklist = [
        ("Add products from the supply catalog", bool(listings), url_for(".catalog")),
        ("Choose a theme", g.shop.theme != "default" or bool(listings), url_for(".settings")),
        ("Share your shop", False, None),
    ]
    return render_template("dashboard/home.html", checklist=checklist, summary=order_summary(),
                           listing_count=len(listings))
