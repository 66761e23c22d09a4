"""Storefront routes beyond shopping: sitemap and robots, uploaded media, the owner's
draft preview, newsletter sign-up, and the custom-domain verification token."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template_string,
    request,
    send_file,
    url_for,
)

from app.errors import DomainError
from app.extensions import csrf
from app.i18n import _
from app.shops import browsing
from app.shops.domains import token_for_host
from app.shops.media import media_by_filename, media_path
from app.shops.newsletter import subscribe
from app.unit_of_work import refuse
from app.web import same_site_form

from . import seo, theming
from .views import bp

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{%- for url in urls %}
  <url><loc>{{ url.loc }}</loc>{% if url.lastmod %}<lastmod>{{ url.lastmod }}</lastmod>{% endif %}</url>
{%- endfor %}
</urlset>
"""


@bp.after_request
def _no_cache_for_previews(response):
    state = theming.current_state()
    if state is not None and state.is_draft:
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/sitemap.xml")
def sitemap():
    listings = browsing.shelf()
    collections = browsing.storefront_collections()
    body = render_template_string(SITEMAP, urls=seo.sitemap_urls(g.shop, listings, collections))
    return Response(body, mimetype="application/xml", headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /cart", "Disallow: /checkout", "Disallow: /orders/",
             "Disallow: /search", "Disallow: /_preview", ""]
    if g.shop.is_open:
        lines.append(f"Sitemap: {seo.origin()}/sitemap.xml")
    return Response("\n".join(lines) + "\n", mimetype="text/plain",
                    headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/media/<filename>")
def media(filename: str):
    """An uploaded image of this shop, with the type we wrote it as (never guessed); no
    sniffing and no script context come with every image (app/security_headers.py); its
    name carries a content hash, so cache it long."""
    found = media_by_filename(filename)
    if found is None or not media_path(found).is_file():
        abort(404)
    response = send_file(media_path(found), mimetype=found.content_type, max_age=31536000,
                         conditional=True, etag=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.get("/_preview")
def start_preview():
    """The dashboard's Preview button lands here with a signed token: remember it in this
    browser's storefront session and show the draft."""
    if not theming.start_preview(g.shop, request.args.get("token", "")):
        flash(_("That preview link has expired. Open the preview again from your dashboard."), "error")
    return redirect(url_for(".home"))


@bp.post("/_preview/exit")
def exit_preview():
    theming.stop_preview(g.shop)
    return redirect(url_for(".home"))


@bp.post("/newsletter")
@csrf.exempt
@same_site_form
def newsletter_signup():
    # The answer is shown in the newsletter section (themes/default/sections/newsletter.html),
    # which the redirect scrolls to: where the shopper is looking.
    try:
        subscribe(request.form.get("email", ""))
    except DomainError as error:
        refuse(error)
        flash(error.message, "newsletter-error")
    else:
        # The same words for a new and a known address: the form must not tell anyone
        # who is on this shop's list.
        flash(_("Thank you — you’re on the list."), "newsletter-success")
    return redirect(url_for(".home") + "#newsletter")


@bp.get("/.well-known/flagship-domain-verification/<int:domain_id>")
def domain_verification(domain_id: int):
    """Answers the platform's own ownership check for a claimed custom domain."""
    token = token_for_host(domain_id, request.host)
    if token is None:
        abort(404)
    return Response(token, mimetype="text/plain", headers={"Cache-Control": "no-store"})
