"""Local fakes of outside services for the test suite (see tests/fakes/README.md)."""

from tests.fakes.stripe import FakeStripe, FakeStripeError, stripe_fee

__all__ = ["FakeStripe", "FakeStripeError", "stripe_fee"]
