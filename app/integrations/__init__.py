"""Clients of outside services (Stripe), below every domain package: the money domains
(payments, ledger) both use them without importing each other."""
