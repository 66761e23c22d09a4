"""Payout accounts: the same Stripe onboarding round trip in the dashboard and the supplier
portal (a web helper on top of app.ledger.connect, so no domain package imports it)."""

from __future__ import annotations

from flask import flash, redirect, url_for

from app.errors import DomainError
from app.i18n import _
from app.ledger import connect
from app.web import flash_refusal


def start_payout_onboarding(payee_type: str, payee_id: int, email: str, *, back: str, again: str,
                            connected: str, **url_values):
    """Send the payee to Stripe's onboarding (endpoints: `back` on failure, `again` as
    Stripe's refresh URL, `connected` as its return URL; `url_values` fill all three)."""
    try:
        url = connect.start_onboarding(payee_type, payee_id, email=email,
                                       refresh_url=url_for(again, _external=True, **url_values),
                                       return_url=url_for(connected, _external=True, **url_values))
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(back, **url_values))
    return redirect(url, code=303)


def onboarding_link_expired(back: str, **url_values):
    flash(_('That Stripe link had expired. Press “Finish the sign-up with Stripe” for a new one.'), "info")
    return redirect(url_for(back, **url_values))


def finish_payout_onboarding(payee_type: str, payee_id: int, *, back: str, **url_values):
    """Back from Stripe: read the account's state and say where it stands."""
    try:
        account = connect.refresh_account(payee_type, payee_id)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(back, **url_values))
    if account is not None and account.status == "active":
        flash(_('Your Stripe account is connected: payouts will go there.'), "success")
    else:
        flash(_('Stripe still needs a few details before it can pay you.'), "info")
    return redirect(url_for(back, **url_values))


def secret_link_payout_routes(bp, *, name: str, rule: str, payee_type: str, find, email_of, page: str) -> None:
    """The three routes of the round trip for a payee reached by a secret link rather than a
    login (a promoter, a pickup point's person in charge): POST `rule`/payouts (endpoint
    `name`), Stripe's refresh and return URLs. `find(**view_args)` gives the payee or aborts
    with a 404; `page` is the endpoint of their page."""

    def start(**args):
        payee = find(**args)
        return start_payout_onboarding(payee_type, payee.id, email_of(payee), back=f".{page}",
                                       again=f".{name}_again", connected=f".{name}_done", **args)

    def again(**args):
        find(**args)
        return onboarding_link_expired(f".{page}", **args)

    def done(**args):
        payee = find(**args)
        return finish_payout_onboarding(payee_type, payee.id, back=f".{page}", **args)

    bp.add_url_rule(f"{rule}/payouts", name, start, methods=["POST"])
    bp.add_url_rule(f"{rule}/payouts/again", f"{name}_again", again)
    bp.add_url_rule(f"{rule}/payouts/done", f"{name}_done", done)
