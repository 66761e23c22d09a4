"""Which site a request is for: the platform host, or a shop's storefront host."""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import select

from app.extensions import db
from app.tenancy import unscoped

from .domain_models import ShopDomain
from .models import Shop

# Subdomains a shop can never take: platform services and confusing look-alikes.
RESERVED_SUBDOMAINS = frozenset(
    ["www", "admin", "api", "app", "apps", "static", "assets", "cdn", "media", "mail", "email", "smtp", "imap", "pop", "dashboard", "supplier", "suppliers", "shop", "shops", "store", "stores", "help", "support", "status", "blog", "docs", "about", "login", "logout", "signup", "register", "account", "accounts", "billing", "pay", "payments", "checkout", "webhooks", "auth", "oauth", "ftp", "ns", "ns1", "ns2", "dev", "test", "staging", "demo", "root", "system", "flagship"]
)

STOREFRONT_HOST_PATTERN = "<shop_host>"


def split_port(host: str) -> tuple[str, str]:
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        end = host.find("]")
        return host[: end + 1], host[end + 2 :]
    name, _, port = host.partition(":")
    return name, port


def platform_host() -> str:
    return current_app.config["SERVER_NAME"].lower()


def is_platform_request() -> bool:
    return request.host.lower() == platform_host()


def subdomain_of(host: str) -> str | None:
    """'bloom.localhost:5000' -> 'bloom' when the platform host is 'localhost:5000'."""
    name, port = split_port(host)
    base_name, base_port = split_port(platform_host())
    if port != base_port or not name.endswith("." + base_name):
        return None
    label = name[: -len(base_name) - 1]
    return label if label and "." not in label else None


def resolve_shop(host: str):
    """The shop a storefront host belongs to (by subdomain, or by a verified custom
    domain), or None."""
    subdomain = subdomain_of(host)
    if subdomain is not None:
        return db.session.scalar(select(Shop).where(Shop.subdomain == subdomain))
    return shop_of_custom_domain(host)


def read_again(shop) -> None:
    """Read the shop's row again: something was read first that must be older than it."""
    db.session.refresh(shop)


def shop_of_custom_domain(host: str):
    """The shop whose verified custom domain `host` is (any port), or None. Platform-wide:
    this runs before any shop scope exists."""
    name, _ = split_port(host)
    if not name or name == split_port(platform_host())[0]:
        return None
    with unscoped():
        shop_id = db.session.scalar(select(ShopDomain.shop_id).where(
            ShopDomain.hostname == name, ShopDomain.status == "verified"))
    return db.session.get(Shop, shop_id) if shop_id is not None else None


def storefront_host(shop) -> str:
    return subdomain_host(shop.subdomain)


def subdomain_host(subdomain: str) -> str:
    """The storefront host a shop with this subdomain has: 'bloom' -> 'bloom.localhost:5000'."""
    name, port = split_port(platform_host())
    return f"{subdomain}.{name}" + (f":{port}" if port else "")
