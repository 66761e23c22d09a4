"""Run the test suite's fake of Stripe's API as a local server, to try card payments and
payouts end to end with no Stripe account and no internet:

    .venv/bin/python scripts/fake_stripe.py            # http://127.0.0.1:12111
    STRIPE_SECRET_KEY=sk_test_local STRIPE_WEBHOOK_SECRET=whsec_local \\
      STRIPE_API_BASE=http://127.0.0.1:12111 make run

Its hosted pages stand in for Stripe's: /pay/<session> (a Pay button; choose "declined" to
see a failure) and /onboard/<link> (finishes a payout account's sign-up at once). Events
go to the app's /webhooks/stripe, signed with STRIPE_WEBHOOK_SECRET. It keeps everything
in memory: a restart forgets it. This is a development tool, never a production one.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.stripe import FakeStripe  # noqa: E402


def _deliver_forever(fake: FakeStripe) -> None:
    while True:
        time.sleep(0.3)
        try:
            fake.flush_webhooks()
        except Exception as error:  # the app is not up yet: Stripe retries too
            print(f"webhook delivery failed: {error}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default=f"http://localhost:{os.environ.get('PORT', '5000')}/webhooks/stripe")
    parser.add_argument("--webhook-secret", default=os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_local"))
    args = parser.parse_args(argv)
    fake = FakeStripe(port=args.port, webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    fake.connect_webhook_url, fake.connect_webhook_secret = args.webhook_url, args.webhook_secret
    # Like Stripe, answer API calls at once and send their events a moment later (the test
    # suite's synchronous delivery would keep a request waiting on its own webhook).
    fake.auto_deliver = False
    threading.Thread(target=_deliver_forever, args=(fake,), daemon=True).start()
    fake.start()
    print(f"Fake Stripe on {fake.url}; events go to {args.webhook_url} (secret {args.webhook_secret}). "
          "Ctrl-C stops it.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
