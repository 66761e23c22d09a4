"""A listing's own photos, on its edit page: upload several, order them, attach one to a
variant, describe it, remove it. Rules live in `app.shops.listing_media`; these views parse
the request, call it and answer with the edit page."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from app.errors import DomainError
from app.i18n import _, ngettext
from app.shops import listing_media
from app.shops import services as shops
from app.unit_of_work import refuse
from app.web import found

from .blueprint import NAV_SECTIONS, bp
from .listing_views import render_edit_page

NAV_SECTIONS.update({"add_listing_photos": "products", "update_listing_photo": "products",
                     "move_listing_photo": "products", "remove_listing_photo": "products"})


def _back_to_photos(listing, photo_id: int | None = None):
    anchor = f"#listing-photo-{photo_id}" if photo_id else "#photos"
    return redirect(url_for(".edit_listing", listing_id=listing.id) + anchor)


def _refused(listing, error: DomainError, photo_id: int | None = None):
    """The edit page again, with the refusal beside the form that caused it."""
    refuse(error)
    html, _status = render_edit_page(listing, photo_error={"photo_id": photo_id, "field": error.field,
                                                           "message": error.message})
    return html, 422


@bp.post("/<shop>/products/<int:listing_id>/photos")
def add_listing_photos(listing_id: int):
    listing = found(shops.get_listing, listing_id)
    uploads = [(upload.read(), upload.filename or "") for upload in request.files.getlist("photos")
               if upload is not None and upload.filename]
    try:
        added = listing_media.add_photos(listing, uploads, variant_id=request.form.get("variant_id"),
                                         alt_text=request.form.get("alt_text", ""))
    except DomainError as error:
        return _refused(listing, error)
    if added:
        flash(ngettext('%(num)d photo added to “%(title)s”.', '%(num)d photos added to “%(title)s”.', len(added), title=listing.title), "success")
    else:
        flash(_('Those photos are already among this product’s photos.'), "info")
    return _back_to_photos(listing)


@bp.post("/<shop>/products/<int:listing_id>/photos/<int:photo_id>")
def update_listing_photo(listing_id: int, photo_id: int):
    listing = found(shops.get_listing, listing_id)
    try:
        found(listing_media.update_photo, listing, photo_id, variant_id=request.form.get("variant_id"),
              alt_text=request.form.get("alt_text", ""))
    except DomainError as error:
        return _refused(listing, error, photo_id)
    flash(_('Photo saved.'), "success")
    return _back_to_photos(listing, photo_id)


@bp.post("/<shop>/products/<int:listing_id>/photos/<int:photo_id>/move")
def move_listing_photo(listing_id: int, photo_id: int):
    listing = found(shops.get_listing, listing_id)
    direction = request.form.get("direction")
    if direction not in listing_media.DIRECTIONS:
        abort(400, "Move a photo up, down or to the front.")
    found(listing_media.move_photo, listing, photo_id, direction)
    if direction == "first":
        flash(_('That photo is now the main photo.'), "success")
    return _back_to_photos(listing, photo_id)


@bp.post("/<shop>/products/<int:listing_id>/photos/<int:photo_id>/remove")
def remove_listing_photo(listing_id: int, photo_id: int):
    listing = found(shops.get_listing, listing_id)
    found(listing_media.remove_photo, listing, photo_id)
    flash(_('Photo removed from this product.'), "success")
    return _back_to_photos(listing)
