"""Local fakes of outside services for the test suite (see tests/fakes/README.md)."""

from tests.fakes.stripe_api import FakeStripe, FakeStripeError, stripe_fee

__all__ = ["FakeStripe", "FakeStripeError", "stripe_fee"]
