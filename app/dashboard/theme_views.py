"""The owner's theme editor: pick a theme, fill in its settings, arrange homepage
sections, preview the draft on the storefront, publish. Rules live in
`app.shops.theme_services`; these views parse, call, commit once and render."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for

from app.errors import DomainError, NotFound
from app.i18n import _
from app.shops import theme_services as themes
from app.shops.media import media_by_ids
from app.shops.newsletter import subscribers
from app.shops.services import shop_collections
from app.themes.labels import default_texts, label, spoken, spoken_sections, unspoken
from app.themes.registry import static_file_path
from app.unit_of_work import refuse
from app.web import flash_refusal, found

from .blueprint import bp
from .theme_forms import PlainForm, SectionAddForm, grouped, raw_values, schema_form, uploads


def _theme(name: str):
    return found(themes.theme_package, name)


def _storefront_link(path: str) -> str:
    from flask import current_app

    from app.shops.hosts import storefront_host

    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{storefront_host(g.shop)}{path}"


@bp.get("/<shop>/themes")
def themes_library():
    registry = themes.themes()
    cards = []
    for name in registry.names():
        theme = registry.get(name)
        config = themes.get_config(name)
        cards.append({"theme": theme, "is_live": g.shop.theme == name,
                      "audience": label(theme.audience), "description": label(theme.description),
                      "has_draft": themes.has_unpublished_changes(config)})
    cards.sort(key=lambda c: (not c["is_live"], c["theme"].name != "default", c["theme"].title))
    return render_template("dashboard/themes.html", cards=cards, form=PlainForm())


@bp.get("/themes/<theme>/preview.png")
def theme_preview_image(theme: str):
    package = _theme(theme)
    path = static_file_path(package.name, package.preview) if package.preview else None
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=3600)


def _image_media(schema, values) -> dict:
    ids = [values.get(s["id"]) for s in schema if s["type"] == "image"]
    return media_by_ids([i for i in ids if isinstance(i, int)])


def _editor(theme, form, status=200):
    config = themes.get_config(theme.name)
    state = themes.theme_state(g.shop, theme.name, draft=True)
    add_form = SectionAddForm(prefix="add")
    add_form.section_type.choices = [(name, label(kind.label)) for name, kind in sorted(
        theme.sections.items(), key=lambda item: item[1].label)]
    return render_template(
        "dashboard/theme_editor.html", theme=theme, form=form, groups=grouped(theme.settings_schema),
        sections=spoken_sections(theme, state.sections), add_form=add_form, button_form=PlainForm(),
        media=_image_media(theme.settings_schema, state.settings), is_live=g.shop.theme == theme.name,
        has_draft=themes.has_unpublished_changes(config),
        subscriber_count=len(subscribers()), storefront_link=_storefront_link,
    ), status


@bp.route("/<shop>/themes/<theme>", methods=["GET", "POST"])
def theme_editor(theme: str):
    package = _theme(theme)
    collections = shop_collections()
    # The theme's own words in the owner's language, as shoppers in it read them; kept as the
    # theme wrote them when saved unchanged (unspoken), so each shopper reads them in theirs.
    defaults = default_texts(package)
    values = spoken(themes.theme_state(g.shop, package.name, draft=True).settings, defaults)
    if request.method == "GET":
        return _editor(package, schema_form(package.settings_schema, values, collections))
    # "Publish" on this page submits the settings form too: what the owner sees in the form
    # is what goes live, so an edit not yet saved as a draft is never thrown away.
    publish = bool(request.form.get("publish"))
    form = schema_form(package.settings_schema, values, collections, formdata=request.form)
    if not form.validate_on_submit():
        return _editor(package, form, 400)
    try:
        themes.save_draft_settings(package.name, unspoken(raw_values(form, request.form), defaults),
                                   uploads(form, request.files))
    except themes.SettingsInvalid as error:
        refuse()
        for ident, message in error.errors.items():
            form[ident].errors = [*form[ident].errors, message]
        flash(_('%(message)s Nothing was published.', message=error.message) if publish else error.message, "error")
        return _editor(package, form, 422)
    if publish:
        themes.publish_theme(g.shop, package.name)
        flash(_('%(title)s is live on your storefront, with the settings below.', title=package.title), "success")
    else:
        flash(_('Draft saved. Preview it, then publish when you’re happy.'), "success")
    return redirect(url_for(".theme_editor", theme=package.name))


@bp.post("/<shop>/themes/<theme>/sections")
def add_theme_section(theme: str):
    package = _theme(theme)
    form = SectionAddForm(prefix="add")
    if not form.validate_on_submit():
        abort(400)
    try:
        section = themes.add_section(package.name, form.section_type.data or "")
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".theme_editor", theme=package.name) + "#sections")
    flash(_('%(label)s added at the bottom of the homepage.', label=label(package.sections[section['type']].label)), "success")
    return redirect(url_for(".theme_section", theme=package.name, key=section["key"]))


@bp.post("/<shop>/themes/<theme>/sections/<key>/<action>")
def change_theme_section(theme: str, key: str, action: str):
    package = _theme(theme)
    if not PlainForm().validate_on_submit() or action not in ("up", "down", "remove"):
        abort(400)
    try:
        if action == "remove":
            themes.remove_section(package.name, key)
        else:
            themes.move_section(package.name, key, action)
    except NotFound:
        abort(404)
    flash(_('Section removed.') if action == "remove" else _('Section moved.'), "success")
    return redirect(url_for(".theme_editor", theme=package.name) + "#sections")


@bp.route("/<shop>/themes/<theme>/sections/<key>", methods=["GET", "POST"])
def theme_section(theme: str, key: str):
    package = _theme(theme)
    section, kind = found(themes.section_for_edit, package.name, key)
    collections = shop_collections()
    defaults = default_texts(package)
    values = spoken(kind.defaults() | (section.get("settings") or {}), defaults)  # as in theme_editor
    schema = list(kind.settings_schema)
    if request.method == "GET":
        form = schema_form(schema, values, collections)
    else:
        form = schema_form(schema, values, collections, formdata=request.form)
        if form.validate_on_submit():
            try:
                themes.save_section_settings(package.name, key, unspoken(raw_values(form, request.form), defaults),
                                             uploads(form, request.files))
            except themes.SettingsInvalid as error:
                refuse()
                for ident, message in error.errors.items():
                    form[ident].errors = [*form[ident].errors, message]
                flash(error.message, "error")
            else:
                flash(_('%(label)s saved in the draft.', label=label(kind.label)), "success")
                return redirect(url_for(".theme_editor", theme=package.name) + "#sections")
    status = 422 if form.errors else 200
    return render_template("dashboard/theme_section.html", theme=package, kind=kind, section=section,
                           name=label(kind.label), description=label(kind.description),
                           form=form, media=_image_media(schema, values), storefront_link=_storefront_link,
                           groups=[(label(kind.label), schema)]), status


@bp.post("/<shop>/themes/<theme>/publish")
def publish_theme(theme: str):
    package = _theme(theme)
    if not PlainForm().validate_on_submit():
        abort(400)
    themes.publish_theme(g.shop, package.name)
    flash(_('%(title)s is live on your storefront.', title=package.title), "success")
    return redirect(request.form.get("next") == "library" and url_for(".themes_library")
                    or url_for(".theme_editor", theme=package.name))


@bp.post("/<shop>/themes/<theme>/discard")
def discard_theme_draft(theme: str):
    package = _theme(theme)
    if not PlainForm().validate_on_submit():
        abort(400)
    themes.discard_draft(package.name)
    flash(_('Draft discarded: back to what is published.'), "success")
    return redirect(url_for(".theme_editor", theme=package.name))


@bp.get("/<shop>/themes/<theme>/preview")
def preview_theme(theme: str):
    """Open the draft on the storefront with a short-lived signed token."""
    package = _theme(theme)
    token = themes.preview_token(g.shop, package.name)
    return redirect(_storefront_link(f"/_preview?token={token}"))


