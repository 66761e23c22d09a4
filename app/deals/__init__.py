"""Deals: orders that go ahead only when enough people join before a deadline.

One engine for the group buy (a lower price that holds if the group fills in time) and,
next, the pre-sale (made to order once a minimum is reached): a `Deal` is the owner's offer
on a listing, a `DealRound` one run of it (a group, with its own share link), and every
transition is a `DealEvent`. Orders of a round wait (`Order.hold == "deal"`) until it fills,
then all go to fulfilment at once; if the deadline passes first, every one is cancelled and
its stock returns. A domain package above orders and payments, which never import it.
"""
