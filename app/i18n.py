"""Languages: which one a request speaks, and numbers, money and dates written its way.

Two languages today, English and Simplified Chinese; the message catalogs live in
app/translations (compiled from the per-area sources by `flask i18n compile`). Which
language a page speaks:

- a storefront: the shopper's own choice (the `lang` cookie, set by the switcher), else
  the language the shop picked;
- the platform, dashboard, admin and supplier portal: the signed-in user's choice, else
  the `lang` cookie, else the browser's Accept-Language, else English;
- an e-mail: its reader's language, chosen by the sender with `speaking(...)`.

Strings in Python are marked with `_` (now) or `lazy_gettext` (module constants), strings in
templates with `_()` or `{% trans %}`; tests/test_translations.py fails on any UI string
left unmarked or untranslated.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import flask_babel
from babel import Locale, numbers
from babel import dates as babel_dates
from babel.lists import format_list as babel_format_list
from flask import current_app, g, has_request_context, request
from flask_babel import Babel, LazyString, force_locale, get_locale
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

__all__ = ["LANGUAGES", "_", "gettext", "lazy_gettext", "ngettext", "speaking", "current_language",
           "format_date", "format_datetime", "format_time", "format_number", "format_decimal",
           "language_or_default", "COOKIE", "lazy_format", "N_"]

def gettext(string: str, **variables) -> str:
    """`string` in the language being spoken, formatted with `variables` (Flask-Babel's
    rules, through the request's catalog: see `_catalog`)."""
    text = _catalog().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _catalog().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when used, not when defined (module constants, form labels)."""
    return LazyString(gettext, string, **variables)


_ = gettext


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it here: the code translates it
    later, with `gettext(message, **values)`."""
    return message


def lazy_format(function, *args, **kwargs) -> LazyString:
    """A value formatted when the message it is put in is (`lazy_gettext(..., closes=
    lazy_format(format_datetime, moment))`), so in that message's language."""
    return LazyString(function, *args, **kwargs)

# Language code -> its own name, as shown in every switcher.
LANGUAGES: dict[str, str] = {"en": "English", "zh": "中文"}
DEFAULT = "en"
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600


def language_or_default(code: str | None, default: str = DEFAULT) -> str:
    return code if code in LANGUAGES else default


def _select_locale() -> str:
    if not has_request_context():
        return DEFAULT
    forced = g.get("language")
    if forced:
        return forced
    chosen = request.cookies.get(COOKIE)
    shop = g.get("shop")
    if shop is not None and g.get("storefront"):
        return language_or_default(chosen, language_or_default(getattr(shop, "language", None)))
    from flask_login import current_user

    user_language = getattr(current_user, "language", None) if current_user else None
    if user_language in LANGUAGES:
        return user_language
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), DEFAULT)


def current_language() -> str:
    """'en' or 'zh': the language this request (or `speaking` block) uses."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


# What a page's or an e-mail's <html lang> says: the script too where it matters (a browser
# picks Simplified Chinese glyphs and a screen reader its voice by it).
HTML_LANG = {"zh": "zh-CN"}


def html_lang() -> str:
    language = current_language()
    return HTML_LANG.get(language, language)


@contextmanager
def speaking(language: str | None):
    """Render in `language` (an e-mail to its reader, a job's output), then go back."""
    with force_locale(language_or_default(language)):
        yield


def _locale():
    return get_locale() or DEFAULT


def format_number(value: int | float | Decimal) -> str:
    return numbers.format_decimal(value, locale=_locale())


format_decimal = format_number


def format_percent(value: float | Decimal, digits: int = 0, trim: bool = False) -> str:
    """0.125 -> "13%" / digits=2: "12.50%" / digits=2, trim=True: "12.5%"."""
    pattern = "#,##0" + ("." + ("#" if trim else "0") * digits if digits else "") + "%"
    return numbers.format_percent(value, format=pattern, locale=_locale())


def format_list(items, style: str = "standard") -> str:
    """["S", "M", "L"] -> "S, M and L" / style="or": "S, M or L" ("S、M或L" in Chinese)."""
    return babel_format_list([str(item) for item in items], style=style, locale=_locale())


@pass_eval_context
def _format_list_filter(eval_ctx, items, style: str = "standard") -> str:
    """format_list in a template: in HTML, each item escaped (or kept, if markup) and the
    list marked safe, so nothing is escaped twice."""
    if not eval_ctx.autoescape:
        return format_list(items, style)
    return Markup(format_list([escape(item) for item in items], style))


def weekday_names() -> list[str]:
    """Monday to Sunday in the reader's language ("Monday" / "星期一")."""
    names = babel_dates.get_day_names("wide", locale=_locale())
    return [names[day] for day in range(7)]


def format_date(moment: date | datetime | None, format: str = "medium") -> str:
    """A date as its reader writes it: "Dec 4, 2026" / "2026年12月4日". Give it a moment
    already on the right clock (the `local` filter); it is not converted here."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.date()
    return babel_dates.format_date(moment, format=format, locale=_locale())


def format_datetime(moment: datetime | None, format: str = "medium") -> str:
    """Date and time on the clock `moment` carries: "Dec 4, 2026, 7:30 PM" / "2026年12月4日 19:30".
    "short" and "medium" both mean the medium date with the short time: an all-digits date
    ("12/4/26") reads differently across countries, and seconds are noise to an owner."""
    if moment is None:
        return ""
    locale = _locale()
    if format in ("short", "medium"):
        pattern = Locale.parse(locale).datetime_formats["medium"]
        return pattern.format(format_time(moment, "short"), format_date(moment, "medium"))
    return babel_dates.format_datetime(moment, format=format, tzinfo=moment.tzinfo, locale=locale)


def format_time(moment: datetime | None, format: str = "short") -> str:
    if moment is None:
        return ""
    return babel_dates.format_time(moment, format=format, tzinfo=moment.tzinfo, locale=_locale())


def _catalog():
    """The catalog of the language being spoken, found once a request (and again after
    `speaking` another). Flask-Babel finds it anew for every string: three context lookups
    and the locale written out as text, about 10 µs a string; a 100-row dashboard table
    spent a third of its time there."""
    locale = get_locale()
    if locale is None:  # no app context: Flask-Babel's answer (no translation)
        return flask_babel.get_translations()
    found = g.get("_flagship_catalog")
    if found is None or found[0] is not locale:
        found = g._flagship_catalog = (locale, flask_babel.get_translations())
    return found[1]


# The templates' _(), gettext, ngettext and pgettext: Jinja's "newstyle" semantics (the text
# marked safe under autoescape, then always formatted with its variables), called directly.
# Installed in place of Flask-Babel's, which go through two more context calls and the lookup
# above for every string.
@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables):
    text = _catalog().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    text = _catalog().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _template_pgettext(eval_ctx, context: str, string: str, **variables):
    variables.setdefault("context", context)
    text = _catalog().upgettext(context, string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _template_npgettext(eval_ctx, context: str, singular: str, plural: str, num: int, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    text = _catalog().unpgettext(context, singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


def init_app(app) -> Babel:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel = Babel(app, locale_selector=_select_locale)
    env = app.jinja_env
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext,
                       pgettext=_template_pgettext, npgettext=_template_npgettext)
    # {% trans %} blocks are extracted trimmed (i18n_catalog), so they must be looked up trimmed.
    env.policies["ext.i18n.trimmed"] = True
    env.filters.update(format_date=format_date, format_datetime=format_datetime,
                       format_time=format_time, format_number=format_number, format_list=_format_list_filter,
                       format_percent=format_percent)
    env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language, html_lang=html_lang)
    from app.status_words import deal_event, status_in_sentence, status_label, trigger_label

    env.filters.update(status_label=status_label, status_in_sentence=status_in_sentence, deal_event=deal_event,
                       trigger_label=trigger_label)
    return babel


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(COOKIE, language_or_default(language), max_age=COOKIE_SECONDS,
                        samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
                        httponly=True)
