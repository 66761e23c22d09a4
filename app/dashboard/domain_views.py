"""Custom domains in the dashboard: add one, see the DNS record to create, check it now,
make it the main address, remove it. Rules live in `app.shops.domains`."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for

from app.errors import DomainError
from app.i18n import _
from app.shops import domains as service
from app.shops.domain_jobs import enqueue_domain_check
from app.web import add_error, flash_refusal, found

from .blueprint import bp
from .forms import DomainForm
from .theme_forms import PlainForm


def _page(form, status=200):
    return render_template("dashboard/domains.html", form=form, button_form=PlainForm(),
                           domains=service.shop_domains(), target=service.dns_target(g.shop),
                           verification_path=service.verification_path, txt_record=service.txt_record,
                           txt_required=service.txt_required()), status


@bp.get("/<shop>/domains")
def domains():
    return _page(DomainForm())


@bp.post("/<shop>/domains")
def add_domain():
    form = DomainForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        domain = service.add_domain(g.shop, form.hostname.data)
    except DomainError as error:
        add_error(form, error)
        return _page(form, 422)
    flash(_('%(hostname)s added. Create the DNS record below, then press “Check now”.', hostname=domain.hostname), "success")
    return redirect(url_for(".domains") + f"#domain-{domain.id}")


@bp.post("/<shop>/domains/<int:domain_id>/<action>")
def change_domain(domain_id: int, action: str):
    if not PlainForm().validate_on_submit() or action not in ("check", "primary", "remove"):
        abort(400)
    domain = found(service.get_domain, domain_id)
    hostname = domain.hostname
    try:
        if action == "remove":
            service.remove_domain(domain)
        elif action == "primary":
            service.make_primary(domain)
        else:
            service.restart_checks(domain)
    except DomainError as error:
        flash_refusal(error)
        return redirect(url_for(".domains"))
    if action == "check":
        # The owner asked: check now, in this request, so the answer below is the check's;
        # if DNS has not spread yet, the job keeps checking with backoff.
        try:
            service.check_domain(domain)
        except service.DomainCheckFailed:
            enqueue_domain_check(domain_id)
        if domain.is_verified:
            flash(_('%(hostname)s is verified: your shop now answers there.', hostname=hostname), "success")
        else:
            flash(_('%(hostname)s is not verified yet: %(last_error)s We’ll keep checking.', hostname=hostname, last_error=domain.last_error), "error")
    elif action == "primary":
        flash(_('%(hostname)s is now your shop’s main address.', hostname=hostname), "success")
    else:
        flash(_('%(hostname)s removed.', hostname=hostname), "success")
    return redirect(url_for(".domains"))
