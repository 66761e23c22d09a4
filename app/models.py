"""Imports every model so SQLAlchemy's registry and Alembic see the whole schema."""

from app.accounts.models import ShopMembership, User  # noqa: F401
from app.analytics.models import AnalyticsDay, AnalyticsDayCount, AnalyticsMark  # noqa: F401
from app.catalog.exchange import ExchangeRate  # noqa: F401
from app.catalog.feeds_models import SupplierFeed, SyncRejectedRow, SyncRun  # noqa: F401
from app.catalog.models import Supplier, SupplyProduct, SupplyVariant  # noqa: F401
from app.catalog.portal_models import (  # noqa: F401
    SupplierInvitation,
    SupplierMember,
    WebhookAttempt,
    WebhookDelivery,
)
from app.deals.models import Deal, DealEvent, DealRound, ProductionOrder, WeeklyDeal  # noqa: F401
from app.jobs.models import OutboxJob  # noqa: F401
from app.ledger.models import (  # noqa: F401
    LedgerEntry,
    OrderRelease,
    Payout,
    PayoutAccount,
    PayoutRun,
)
from app.notifications.models import OutboundEmail  # noqa: F401
from app.orders.discount_models import DiscountCode, DiscountUse  # noqa: F401
from app.orders.export_models import OrderExport  # noqa: F401
from app.orders.fulfilment_models import PurchaseOrder, PurchaseOrderLine  # noqa: F401
from app.orders.models import Order, OrderLine  # noqa: F401
from app.orders.shipping_models import ShippingZone  # noqa: F401
from app.payments.models import Payment, Refund, StripeEvent  # noqa: F401
from app.referrals.models import Commission, Promoter, ReferralBinding  # noqa: F401
from app.shops.domain_models import ShopDomain  # noqa: F401
from app.shops.listing_media import ListingMedia  # noqa: F401
from app.shops.models import Collection, CollectionListing, Listing, Shop  # noqa: F401
from app.shops.notice_models import ListingNotice  # noqa: F401
from app.shops.pages import ShopPage  # noqa: F401
from app.shops.pickup import PickupPoint  # noqa: F401
from app.shops.theme_models import NewsletterSubscriber, ShopMedia, ThemeConfig  # noqa: F401
