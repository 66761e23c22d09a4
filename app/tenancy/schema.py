"""Where each table lives when PostgreSQL is scaled out on Citus (multi-tenant model).

- DISTRIBUTED: a shop's own rows, sharded by `shop_id` and co-located, so one shop's joins
  stay on one node. Every primary key and unique constraint includes shop_id, and foreign
  keys between them do too (tests/tenancy/test_citus_schema.py checks it on PostgreSQL).
- REFERENCE: the platform's shared tables (users, shops, the supply catalog, the order-number
  lookup, custom domains: a hostname is unique across the platform), copied to every node.
- LOCAL: tables that stay on the coordinator: the books, payouts, the outbox, e-mails,
  Stripe's events and supplier webhooks (their shop_id may be empty: platform rows).

Every table the models declare must be in exactly one of them (a test fails otherwise), so
a new table is placed on purpose.
"""

from __future__ import annotations

DISTRIBUTED = (
    "listings", "collections", "collection_listings", "listing_notices", "orders", "order_lines",
    "purchase_orders", "purchase_order_lines", "payments", "refunds", "theme_configs",
    "shop_media", "newsletter_subscribers", "deals", "deal_rounds", "deal_events", "production_orders",
    "pickup_points", "weekly_deals", "promoters", "referral_bindings", "commissions", "shop_pages",
    "listing_media", "discount_codes", "discount_uses", "shipping_zones",
    "analytics_days", "analytics_day_counts", "order_exports",
)
REFERENCE = (
    "users", "shops", "shop_memberships", "shop_domains", "order_numbers", "suppliers",
    "supplier_members", "supplier_invitations", "supplier_feeds", "supply_products",
    "supply_variants", "sync_runs", "sync_rejected_rows", "exchange_rates",
)
LOCAL = (
    "ledger_entries", "ledger_releases", "payouts", "payout_runs", "payout_accounts",
    "outbound_emails", "outbox_jobs", "stripe_events", "webhook_deliveries", "webhook_attempts",
    "analytics_marks",
)
DISTRIBUTION_COLUMN = "shop_id"


def placement(table: str) -> str:
    for name, tables in (("distributed", DISTRIBUTED), ("reference", REFERENCE), ("local", LOCAL)):
        if table in tables:
            return name
    raise KeyError(f"table {table!r} is not placed in app/tenancy/schema.py")
