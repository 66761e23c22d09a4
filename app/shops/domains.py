"""Custom domains: an owner adds a host name, points a CNAME at the platform, and a job
checks over HTTP that the name reaches us (it fetches a token the platform serves for that
claim on that host), then that its DNS names this shop: the CNAME points at this shop's own
address (`mia.<platform>`), or, for a root domain that cannot have a CNAME, a TXT record
`_flagship-verify.<domain>` holds the claim's token. Without that second step any shop
could claim a domain that already points at another shop. With a shared target
(CUSTOM_DOMAIN_TARGET) every shop's CNAME points at the same name, so the CNAME says
nothing about the shop and the TXT token is always required. Once verified the shop
answers on it and canonical URLs use it.

Rules: a name is verified for one shop only (a partial unique index backs this); the
platform's own host and its subdomains, IP addresses and single-label names can never be
claimed. Service functions act for the current shop, except where marked platform-wide.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import secrets
import socket

from flask import current_app
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n import _
from app.netguard import is_public_address
from app.shops.hosts import platform_host, split_port, storefront_host
from app.tenancy import get_for_shop, unscoped

from .domain_models import ShopDomain

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_DOMAINS = 5
MAX_CHECKS = 6  # then the claim is marked failed; "Check now" starts again
VERIFICATION_PREFIX = "/.well-known/flagship-domain-verification/"
TXT_PREFIX = "_flagship-verify."
DNS_TIMEOUT = 5.0


class DomainCheckFailed(RuntimeError):
    """The HTTP check did not find the token (raised so the job is retried)."""


def normalise_hostname(text: str) -> str:
    """'https://Shop.Example.com/' -> 'shop.example.com', or DomainError saying why not."""
    name = (text or "").strip().lower()
    for prefix in ("http://", "https://"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    name = name.split("/", 1)[0].rstrip(".")
    if not name:
        raise DomainError(_('Enter a domain, like shop.example.com.'), field="hostname")
    if ":" in name:
        raise DomainError(_('Enter the domain without a port, like shop.example.com.'), field="hostname")
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        raise DomainError(_('That is not a valid domain name.'), field="hostname") from None
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        raise DomainError(_('Enter a domain name, not an IP address.'), field="hostname")
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(LABEL.match(label) for label in labels) \
            or labels[-1].isdigit():
        raise DomainError(_('That is not a valid domain name. Use one like shop.example.com.'),
                          field="hostname")
    platform_name, _port = split_port(platform_host())
    if name == platform_name or name.endswith("." + platform_name) or name in ("localhost",) \
            or name.endswith(".localhost"):
        raise DomainError(_('That name belongs to the platform and can’t be claimed.'), field="hostname")
    return name


def shop_domains() -> list[ShopDomain]:
    return list(db.session.scalars(select(ShopDomain).order_by(ShopDomain.created_at, ShopDomain.id)))


def get_domain(domain_id) -> ShopDomain:
    domain = get_for_shop(db.session, ShopDomain, domain_id)
    if domain is None:
        raise NotFound(_('No such domain.'))
    return domain


def verified_elsewhere(hostname: str, shop_id: int) -> bool:
    """Platform-wide: is this name already verified for another shop?"""
    with unscoped():
        owner = db.session.scalar(select(ShopDomain.shop_id).where(
            ShopDomain.hostname == hostname, ShopDomain.status == "verified"))
    return owner is not None and owner != shop_id


def add_domain(shop, text: str) -> ShopDomain:
    """Claim a host name for the shop (pending until the check passes)."""
    hostname = normalise_hostname(text)
    existing = shop_domains()
    if any(d.hostname == hostname for d in existing):
        raise DomainError(_('This shop already has that domain.'), field="hostname")
    if len(existing) >= MAX_DOMAINS:
        raise DomainError(_('A shop can have up to %(max_domains)s domains.', max_domains=MAX_DOMAINS), field="hostname")
    if verified_elsewhere(hostname, shop.id):
        raise DomainError(_('That domain is already connected to another shop.'), field="hostname")
    domain = ShopDomain(hostname=hostname, token=secrets.token_urlsafe(24), status="pending")
    db.session.add(domain)
    db.session.flush()
    return domain


def restart_checks(domain: ShopDomain) -> ShopDomain:
    """"Check now": a failed claim becomes pending again with a fresh count."""
    if domain.status != "verified":
        domain.status, domain.check_count, domain.last_error = "pending", 0, ""
        db.session.flush()
    return domain


def remove_domain(domain: ShopDomain) -> None:
    was_primary = domain.is_primary
    db.session.delete(domain)
    db.session.flush()
    if was_primary:
        successor = next((d for d in shop_domains() if d.is_verified), None)
        if successor is not None:
            successor.is_primary = True
            db.session.flush()


def make_primary(domain: ShopDomain) -> None:
    if not domain.is_verified:
        raise DomainError(_('Only a verified domain can be the main one.'))
    for other in shop_domains():
        other.is_primary = other.id == domain.id
    db.session.flush()


def primary_domain() -> ShopDomain | None:
    return db.session.scalar(select(ShopDomain).where(
        ShopDomain.status == "verified", ShopDomain.is_primary.is_(True)))


def dns_target(shop) -> str:
    """The name an owner's CNAME record points at."""
    configured = current_app.config.get("CUSTOM_DOMAIN_TARGET")
    return configured or split_port(storefront_host(shop))[0]


def txt_required() -> bool:
    """A shared CNAME target names no shop: only the claim's TXT token can prove it."""
    return bool(current_app.config.get("CUSTOM_DOMAIN_TARGET"))


def verification_path(domain: ShopDomain) -> str:
    return f"{VERIFICATION_PREFIX}{domain.id}"


def token_for_host(domain_id: int, host: str) -> str | None:
    """Platform-wide, for the verification URL: the claim's token when `host` is its name."""
    name, _port = split_port(host)
    with unscoped():
        domain = db.session.scalar(select(ShopDomain).where(ShopDomain.id == domain_id))
    if domain is None or domain.hostname != name:
        return None
    return domain.token


def fetch_verification(hostname: str, path: str) -> tuple[int, bytes]:
    """GET http://hostname/path. Connects where DOMAIN_CHECK_CONNECT says (tests, a local
    set-up) or to the name's public addresses, never to private ones (no SSRF)."""
    connect = current_app.config.get("DOMAIN_CHECK_CONNECT")
    timeout = current_app.config.get("DOMAIN_CHECK_TIMEOUT", 10)
    if connect:
        host, _colon, port = connect.rpartition(":")
        target, port = host or connect, int(port) if host else 80
    else:
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(hostname, 80, proto=socket.IPPROTO_TCP)}
        except OSError:
            raise DomainCheckFailed("The domain does not resolve yet. Create the DNS record, "
                                    "then allow some time for it to spread.") from None
        public = sorted(a for a in addresses if is_public_address(a))
        if not public:
            raise DomainCheckFailed("The domain points at a private address, not at us.")
        target, port = public[0], 80
    connection = http.client.HTTPConnection(target, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": hostname, "User-Agent": "Flagship-domain-check/1"})
        response = connection.getresponse()
        return response.status, response.read(512)
    except (OSError, http.client.HTTPException) as error:
        raise DomainCheckFailed(f"We could not reach the domain ({error.__class__.__name__}).") from None
    finally:
        connection.close()


def txt_record(domain: ShopDomain) -> tuple[str, str]:
    """(name, value) of the TXT record that proves a root domain's claim."""
    return TXT_PREFIX + domain.hostname, f"flagship-verify={domain.token}"


def lookup_cname(hostname: str) -> str | None:
    """The name `hostname`'s CNAME record points at (lower case, no final dot), if any."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(hostname, "CNAME", lifetime=DNS_TIMEOUT)
    except (dns.exception.DNSException, OSError):
        return None
    return next((str(record.target).rstrip(".").lower() for record in answer), None)


def lookup_txt(name: str) -> list[str]:
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=DNS_TIMEOUT)
    except (dns.exception.DNSException, OSError):
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def _prove_shop(domain: ShopDomain) -> None:
    """The domain's DNS must name this shop (see the module docstring)."""
    from .models import Shop

    name, value = txt_record(domain)
    if txt_required():
        if value in lookup_txt(name):
            return
        raise DomainCheckFailed(f"The domain reaches us, but we can’t tell it is yours yet: add the TXT "
                                f"record {name} with the value shown.")
    target = dns_target(db.session.get(Shop, domain.shop_id)).lower()
    if lookup_cname(domain.hostname) == target:
        return
    if value in lookup_txt(name):
        return
    raise DomainCheckFailed(f"The domain reaches us, but its DNS does not name this shop: point its "
                            f"CNAME at {target}, or (a root domain) add the TXT record {name}.")


def check_domain(domain: ShopDomain) -> None:
    """One HTTP check of one claim; records the outcome. Raises DomainCheckFailed if the
    token was not found (the caller, a job, is then retried)."""
    if domain.is_verified:
        return
    domain.check_count += 1
    domain.last_checked_at = utcnow()
    try:
        if verified_elsewhere(domain.hostname, domain.shop_id):
            raise DomainCheckFailed("That domain is already connected to another shop.")
        status, body = fetch_verification(domain.hostname, verification_path(domain))
        if status != 200:
            raise DomainCheckFailed(f"The check URL answered {status}: the domain does not point at us yet.")
        if body.decode("ascii", "replace").strip() != domain.token:
            raise DomainCheckFailed("The domain answered, but not with this shop’s token: "
                                    "check the CNAME record points at the address shown.")
        _prove_shop(domain)
    except DomainCheckFailed as error:
        domain.last_error = str(error)[:300]
        if domain.check_count >= MAX_CHECKS:
            domain.status = "failed"
        db.session.flush()
        raise
    domain.status, domain.last_error, domain.verified_at = "verified", "", utcnow()
    if primary_domain() is None:
        domain.is_primary = True
    db.session.flush()
