"""Connect: transfers, accounts and account links: a part of the fake Stripe (see server.py)."""

from __future__ import annotations

import copy
import re
from typing import Any

from .errors import StripeAPIError, _invalid
from .forms import _Params
from .money import _COUNTRY_CURRENCY, MAXIMUM_AMOUNT, _new_id
from .records import _DASHBOARD, _REQUIREMENTS_DUE, _Ctx, _requirements


class ConnectResources:
    """Connect: transfers, accounts and account links (a part of FakeStripe)."""

    def _api_create_transfer(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only(
            "amount", "currency", "destination", "transfer_group", "metadata", "description",
            "source_transaction", "expand",
        )  # fmt: skip
        amount = p.int("amount", required=True, minimum=1, maximum=MAXIMUM_AMOUNT * 100)
        currency = p.currency("currency", required=True)
        destination = p.str("destination", required=True)
        transfer_group = p.str("transfer_group")
        description = p.str("description", max_length=1000)
        metadata = p.metadata()
        source_transaction = p.str("source_transaction")
        expand = p.expand()
        assert amount is not None and currency and destination
        account = self._store.get(destination)
        if account is None or account["object"] != "account":
            raise StripeAPIError(
                f"No such destination: '{destination}'", param="destination", code="resource_missing"
            )
        blocked = self._transfer_blocks.get(destination)
        if blocked is not None:
            raise StripeAPIError(blocked, param="destination")
        if account["capabilities"].get("transfers") != "active":
            raise StripeAPIError(
                "Your destination account needs to have at least one of the following "
                "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                param="destination",
                code="insufficient_capabilities_for_transfer",
            )
        if source_transaction:
            source = self._lookup("charge", source_transaction, "source_transaction", 400)
            if source["status"] != "succeeded":
                raise StripeAPIError(
                    f"Charge {source_transaction} has not succeeded.", param="source_transaction"
                )
            if source["currency"] != currency:
                raise StripeAPIError(
                    f"The currency of source_transaction's balance transaction ({source['currency']}) "
                    f"must be the same as the transfer currency ({currency})",
                    param="currency",
                )
        elif self._available is not None:
            have = self._available.get(currency, 0)
            if amount > have:
                raise StripeAPIError(
                    "You have insufficient available funds in your Stripe account. Try adding "
                    "funds directly to your available balance by creating Charges using the "
                    "4000000000000077 test card.",
                    code="balance_insufficient",
                )
            self._available[currency] = have - amount
        transfer_id = _new_id("tr_")
        txn = self._balance_txn(
            -amount, currency, fee=0, source=transfer_id, type_="transfer", category="transfer",
            status="available",
        )  # fmt: skip
        transfer = {
            "id": transfer_id,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "balance_transaction": txn["id"],
            "created": self._now(),
            "currency": currency,
            "description": description,
            "destination": destination,
            "destination_payment": _new_id("py_"),
            "livemode": False,
            "metadata": metadata,
            "reversals": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/transfers/{transfer_id}/reversals",
            },
            "reversed": False,
            "source_transaction": source_transaction,
            "source_type": "card",
            "transfer_group": transfer_group,
        }
        self._check_expand(transfer, expand)
        self._store[transfer_id] = transfer
        self._emit("transfer.created", transfer, ctx)
        return self._render(transfer, expand)

    def _api_list_transfers(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("limit", "starting_after", "ending_before", "expand", "destination", "transfer_group", "created")
        destination = p.str("destination")
        transfer_group = p.str("transfer_group")
        created = p.created_filter()
        transfers = [
            t
            for t in self._of_type("transfer")
            if (destination is None or t["destination"] == destination)
            and (transfer_group is None or t["transfer_group"] == transfer_group)
            and created(t["created"])
        ]
        return self._list(transfers, "/v1/transfers", p, "transfer")

    # ----------------------------------------------------------------- API: Connect accounts

    def _api_create_account(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only(
            "type", "country", "email", "capabilities", "metadata", "business_type",
            "business_profile", "default_currency", "expand",
        )  # fmt: skip
        account_type = p.enum("type", ("custom", "express", "standard"), required=True)
        country = p.str("country") or "US"
        if not re.fullmatch(r"[A-Za-z]{2}", country):
            raise _invalid(
                f"Country '{country}' is unknown. Try using a 2-character alphanumeric country "
                "code instead, such as 'US', 'EG', or 'GB'.",
                "country",
            )
        country = country.upper()
        email = p.email("email")
        requested = []
        capabilities = p.sub("capabilities")
        if capabilities is not None:
            for name in capabilities.data:
                if not re.fullmatch(r"[a-z0-9_]+", name):
                    raise _invalid(
                        f"Received unknown parameter: {capabilities.name(name)}", capabilities.name(name)
                    )
                capability = capabilities.sub(name, required=True)
                assert capability is not None
                capability.only("requested")
                if capability.bool("requested", required=True):
                    requested.append(name)
        if account_type in ("express", "custom") and "transfers" not in requested:
            raise _invalid(
                f"{account_type.capitalize()} accounts must request the `transfers` capability "
                "(capabilities[transfers][requested]=true).",
                "capabilities",
            )
        business_type = p.enum("business_type", ("company", "government_entity", "individual", "non_profit"))
        profile: dict[str, Any] = {
            "mcc": None, "name": None, "product_description": None, "support_email": None,
            "support_phone": None, "support_url": None, "url": None,
        }  # fmt: skip
        business_profile = p.sub("business_profile")
        if business_profile is not None:
            business_profile.only(*profile)
            for key in profile:
                if key in ("url", "support_url"):
                    profile[key] = business_profile.url(key)
                elif key == "support_email":
                    profile[key] = business_profile.email(key)
                else:
                    profile[key] = business_profile.str(key)
        default_currency = p.currency("default_currency") or _COUNTRY_CURRENCY.get(country, "usd")
        metadata = p.metadata()
        expand = p.expand()
        account_id = _new_id("acct_", 16)
        account = {
            "id": account_id,
            "object": "account",
            "business_profile": profile,
            "business_type": business_type,
            "capabilities": {name: "inactive" for name in requested},
            "charges_enabled": False,
            "controller": {
                "is_controller": True,
                "type": "application",
                "stripe_dashboard": {"type": {"express": "express", "standard": "full"}.get(account_type, "none")},
            },
            "country": country,
            "created": self._now(),
            "default_currency": default_currency,
            "details_submitted": False,
            "email": email,
            "external_accounts": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/accounts/{account_id}/external_accounts",
            },
            "metadata": metadata,
            "payouts_enabled": False,
            "requirements": _requirements(_REQUIREMENTS_DUE),
            "settings": {"payouts": {"schedule": {"delay_days": 2, "interval": "daily"}}},
            "tos_acceptance": {"date": None},
            "type": account_type,
        }
        self._check_expand(account, expand)
        self._store[account_id] = account
        return self._render(account, expand)

    def _api_create_account_link(self, params: dict[str, Any], ctx: _Ctx) -> dict[str, Any]:
        p = _Params(params)
        p.only("account", "refresh_url", "return_url", "type", "collect", "collection_options", "expand")
        account_id = p.str("account", required=True)
        link_type = p.enum("type", ("account_onboarding", "account_update"), required=True)
        refresh_url = p.url("refresh_url", required=True)
        return_url = p.url("return_url", required=True)
        p.enum("collect", ("currently_due", "eventually_due"))
        options = p.sub("collection_options")
        if options is not None:
            options.only("fields", "future_requirements")
            options.enum("fields", ("currently_due", "eventually_due"))
            options.enum("future_requirements", ("include", "omit"))
        p.expand()
        assert account_id is not None
        account = self._lookup("account", account_id, "account", 400)
        if link_type == "account_update" and account["type"] != "custom":
            raise StripeAPIError(
                "You cannot create `account_update` type Account Links for accounts that are not "
                "Custom accounts.",
                param="type",
            )
        now = self._now()
        link_id = _new_id("", 32)
        self._links[link_id] = {
            "account": account_id,
            "expires_at": now + 300,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": link_type,
            "used": False,
        }
        return {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"{self.url}/onboard/{link_id}",
        }

    def _complete_onboarding(self, account_id: str) -> dict[str, Any]:
        account = self._store[account_id]
        fields = ("capabilities", "charges_enabled", "details_submitted", "payouts_enabled", "requirements")
        previous = {key: copy.deepcopy(account[key]) for key in fields}
        capabilities = {name: "active" for name in account["capabilities"]}
        capabilities["transfers"] = "active"
        account.update(
            capabilities=capabilities,
            charges_enabled=True,
            details_submitted=True,
            payouts_enabled=True,
            requirements=_requirements([]),
            tos_acceptance={"date": self._now(), "ip": "127.0.0.1", "user_agent": None},
        )
        changed = {key: value for key, value in previous.items() if value != account[key]}
        if changed:
            self._emit("account.updated", account, _DASHBOARD, previous=changed, account=account_id)
        return account
