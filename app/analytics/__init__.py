"""Owner analytics: visits counted server-side (no cookies, no third parties), sales from the
orders and the ledger, folded into one row per shop and day (on the shop's clock) by a job,
and the reports the dashboard and the admin show.

- counting.py: which storefront answers count, and where the counts go while the day runs
  (Redis, or this process with no Redis); a WSGI wrapper outside the page cache, so a page
  served from the cache counts too, with no database statement in the request.
- aggregation.py: the job that folds those counts, and the shop's paid orders, into
  `AnalyticsDay` and `AnalyticsDayCount` rows (absolute figures, safe to run twice).
- reports.py: periods, buckets (day/week/month), figures, top lists and CSV rows.
- charts.py: the server-rendered SVG chart (no script: the CSP stays strict).
"""
