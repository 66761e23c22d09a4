"""Themes: installed theme packages (platform code under `themes/`), their setting schema
and the registry the app loads at start. A domain package below shops, dashboard and
storefront: it knows nothing of requests or shops."""
