"""Collections: named, ordered groups of the shop's listings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from app.errors import DomainError, NotFound
from app.i18n import _
from app.shops import services as shops
from app.unit_of_work import refuse
from app.web import add_error, found

from .blueprint import bp
from .forms import CollectionForm


@bp.get("/<shop>/collections")
def collections():
    return render_template("dashboard/collections.html", collections=shops.shop_collections())


def _chosen_listings(listings) -> tuple[list[int], dict[int, str], str | None]:
    """The ticked listing ids ordered by their position inputs, the raw position values
    (to show back) and a message when a position is not a whole number."""
    chosen = {value for value in request.form.getlist("listing") if value.isdigit()}
    positions: dict[int, str] = {}
    order: list[tuple[int, int, int]] = []
    problem = None
    for index, listing in enumerate(listings):
        raw = (request.form.get(f"position-{listing.id}") or "").strip()
        positions[listing.id] = raw
        if str(listing.id) not in chosen:
            continue
        chosen.discard(str(listing.id))
        if raw == "":
            order.append((index + 1, index, listing.id))
        elif raw.isdigit() and int(raw) <= 10_000:
            order.append((int(raw), index, listing.id))
        else:
            problem = _('Enter the position of “%(title)s” as a whole number, like 1, 2 or 3.', title=listing.title)
    # Ids ticked that are not among this shop's listings go to the service, which refuses them.
    ids = [listing_id for _, _, listing_id in sorted(order)] + [int(value) for value in chosen]
    return ids, positions, problem


def _save_collection(form: CollectionForm, collection=None):
    """Create or update from the posted form; returns the collection or None on an error."""
    listings = shops.shop_listings()
    listing_ids, positions, problem = _chosen_listings(listings)
    if not form.validate() or problem:
        return None, listing_ids, positions, problem
    try:
        if collection is None:
            collection = shops.create_collection(form.title.data, form.description.data or "")
        shops.update_collection(collection, title=form.title.data,
                                description=form.description.data or "", listing_ids=listing_ids)
    except NotFound:
        refuse()
        abort(404)
    except DomainError as error:
        add_error(form, error)
        return None, listing_ids, positions, None
    return collection, listing_ids, positions, None


def _render_form(form, *, collection=None, chosen=None, positions=None, problem=None):
    listings = shops.shop_listings()
    if chosen is None:
        chosen = [entry.listing_id for entry in collection.entries] if collection else []
    if positions is None:
        positions = {listing_id: str(number) for number, listing_id in enumerate(chosen, start=1)}
    status = 422 if form.errors or problem else 200
    return render_template("dashboard/collection_form.html", form=form, collection=collection,
                           listings=listings, chosen=set(chosen), positions=positions,
                           problem=problem), status


@bp.route("/<shop>/collections/new", methods=["GET", "POST"])
def new_collection():
    form = CollectionForm()
    if request.method == "GET":
        return _render_form(form)
    saved, chosen, positions, problem = _save_collection(form)
    if saved is not None:
        flash(_('Collection “%(title)s” created.', title=saved.title), "success")
        return redirect(url_for(".collections"))
    return _render_form(form, chosen=chosen, positions=positions, problem=problem)


@bp.route("/<shop>/collections/<int:collection_id>", methods=["GET", "POST"])
def edit_collection(collection_id: int):
    collection = found(shops.get_collection, collection_id)
    form = CollectionForm(obj=collection)
    if request.method == "GET":
        return _render_form(form, collection=collection)
    saved, chosen, positions, problem = _save_collection(form, collection)
    if saved is not None:
        flash(_('Collection “%(title)s” saved.', title=saved.title), "success")
        return redirect(url_for(".collections"))
    return _render_form(form, collection=collection, chosen=chosen, positions=positions,
                        problem=problem)


@bp.post("/<shop>/collections/<int:collection_id>/delete")
def delete_collection(collection_id: int):
    collection = found(shops.get_collection, collection_id)
    title = collection.title
    shops.delete_collection(collection)
    flash(_('Collection “%(title)s” deleted. Its products stay in your shop.', title=title), "success")
    return redirect(url_for(".collections"))
