"""The texts a shop's policy pages start with, written for how a shop on this platform works:
the supplier ships straight to the shopper, the shopper pays by card or on delivery, the
platform processes the payment, refunds go back to the card or are paid in cash.

Plain text in the pages' simple format (app/shops/pages.py: `## ` a heading, `- ` a list
item, a blank line between paragraphs, **bold**). `%(shop)s` and `%(currency)s` are
filled in with the shop's own name and currency when a page is shown or opened in the editor,
in the language of the request (English, or Chinese from the catalog).
"""

from __future__ import annotations

from app.i18n import LANGUAGES, _, speaking


def _returns(values: dict) -> str:
    return _("""## Changed your mind?
You can return most items within 14 days of delivery, unused and in their original packaging. Food, opened cosmetics and items made to order can’t be returned unless they arrived damaged or faulty.

## How to return an item
- Write to us through the contact page with your order number and what you’d like to send back.
- We reply within two working days with the return address. Your order was shipped by the supplier that makes it, so returns usually go back to its warehouse, not to us.
- Send the item within 14 days of our reply. Unless it arrived damaged, faulty or wrong, the cost of sending it back is yours.

## Damaged, faulty or wrong?
Tell us within 7 days of delivery, with a photo if you can. We send a replacement or refund you in full, delivery included, and you pay nothing to send anything back.

## Refunds
We refund you within 5 working days of the item reaching the supplier:
- **paid by card:** the money goes back to the same card (your bank may take a few days to show it);
- **paid on delivery:** we refund you in cash, as we agree with you by e-mail.

You get an e-mail when the refund is made. If you cancel an order before it ships, you get everything back.""", **values)


def _shipping(values: dict) -> str:
    return _("""## Who ships your order
%(shop)s chooses its products from trusted suppliers on the Flagship platform. When you order, the supplier packs your items and ships them straight to you from its own warehouse. An order with items from more than one supplier can arrive in more than one parcel.

## When it ships
Most orders ship within 2 working days. Pre-orders and group buys ship once they go ahead, by the date shown on the product’s page. You get an e-mail with the tracking number as soon as a parcel leaves.

## Delivery
- Delivery usually takes 2 to 7 working days, depending on where you live.
- Any delivery cost is shown at checkout, before you pay.
- Where the shop has pickup points, you can choose one at checkout and collect your order there with your pickup code.

## Track your order
Every order has a private status page: the link is in your order e-mail. Lost it? Use "Find my order" at the bottom of any page and we send your links again.

## Paying
You pay by card at checkout or in cash on delivery, as checkout offers. The Flagship platform processes the payment for %(shop)s.""", **values)


def _privacy(values: dict) -> str:
    return _("""This page says what %(shop)s keeps about you and why. %(shop)s runs on Flagship, a platform that hosts the shop, processes payments and passes your order to the supplier that ships it.

## What we keep
- your name, delivery address, e-mail address and phone number, to deliver your order and to reach you about it;
- your order history with us: what you ordered, when, and how you paid;
- the messages you send us through the contact page;
- your e-mail address, if you sign up for our newsletter (until you ask us to take it off).

We never see or keep your card number: card payments are handled by the platform’s payment processor.

## Who sees it
- the supplier that ships your order sees your name, delivery address and phone number, and nothing else about you;
- if you collect your order at a pickup point, the person in charge there sees your name and your order;
- the Flagship platform, which processes the payment and sends our e-mails.

We don’t sell your data or share it with advertisers.

## Cookies
- **cart:** keeps your cart and checkout while you shop; the shop can’t work without it;
- **referral:** only if you arrive through a promoter’s link, it remembers who recommended us, for a limited time, so that they earn their commission. It holds nothing about you.

We use no advertising or tracking cookies.

## How long we keep it
Order records are kept as long as the law asks for accounts (usually several years); messages as long as we need them to answer you.

## Your rights
You can ask to see the data we hold about you, to correct it, or to delete it where the law allows: write to us through the contact page.""", **values)


def _terms(values: dict) -> str:
    return _("""These terms apply when you buy from %(shop)s. By placing an order you accept them.

## Who you buy from
You buy from %(shop)s. %(shop)s chooses its products from suppliers on the Flagship platform, and the supplier ships your order straight to you. Flagship hosts the shop and processes payments on its behalf.

## Prices and payment
- Prices are in %(currency)s. Any delivery cost is shown at checkout, before you pay.
- You pay by card at checkout or in cash on delivery, as checkout offers. An order paid on delivery may need your confirmation by e-mail before it ships.
- Your order is accepted when you receive the order e-mail.

## Pre-orders and group buys
Some products are made to order or sold as group buys: their page says when they close and how many are needed. If one doesn’t go ahead, your order is cancelled and what you paid is refunded in full.

## Delivery, returns and refunds
Our Shipping and Returns pages say how your order reaches you and how to send something back.

## If something goes wrong
If an item arrives damaged, faulty or not as described, we put it right (see the Returns page). Nothing in these terms limits your rights under consumer law.

## Questions
Write to us through the contact page, with your order number if you have one.""", **values)


_DEFAULTS = {"returns": _returns, "shipping": _shipping, "privacy": _privacy, "terms": _terms}
DEFAULT_KINDS = tuple(_DEFAULTS)


def default_text(kind: str, *, shop_name: str, currency: str) -> str:
    """The default page `kind` for a shop, in the current language (KeyError for an unknown
    kind)."""
    return _DEFAULTS[kind]({"shop": shop_name, "currency": currency})


def default_texts(kind: str, *, shop_name: str, currency: str) -> set[str]:
    """The default page `kind` in every language (to tell a saved default from an own text)."""
    texts = set()
    for language in LANGUAGES:
        with speaking(language):
            texts.add(default_text(kind, shop_name=shop_name, currency=currency).strip())
    return texts
