"""Project package: settings, URLs, ASGI and Celery entry points, and cross-app plumbing.

The Celery app is loaded by ``market.apps.MarketConfig.ready`` so that task senders (web process) use
it, while importing this package stays free of side effects.
"""
