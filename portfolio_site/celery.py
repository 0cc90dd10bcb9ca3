"""The Celery application: JSON only, late acks, three queues routed by task name, beat schedules
in the database."""

import os

from celery import Celery
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio_site.settings")

from portfolio_site.environment import ConfigError, exit_on_config_error

try:
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - load settings now to report a bad environment early
except ConfigError as error:
    exit_on_config_error(error)

app = Celery("portfolio_site")
app.conf.update(
    broker_url=settings.CELERY_BROKER_URL,
    result_backend=settings.CELERY_RESULT_BACKEND,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    broker_transport_options={"visibility_timeout": settings.CELERY_BROKER_VISIBILITY_TIMEOUT},
    # kombu's Redis transport with the worker-survives-a-Redis-restart fix (see the module).
    broker_transport=(
        "portfolio_site.celery_transport:Transport"
        if settings.CELERY_BROKER_URL.startswith("redis://")
        else None
    ),
    broker_connection_retry_on_startup=True,
    # One direct exchange per queue, as Celery would create for a missing queue; listing them makes
    # a worker without -Q consume every queue (settings.CELERY_TASK_QUEUES).
    task_queues=[
        Queue(name, Exchange(name), routing_key=name) for name in settings.CELERY_TASK_QUEUES
    ],
    task_default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
    task_routes=settings.CELERY_TASK_ROUTES,
    beat_scheduler="django_celery_beat.schedulers:DatabaseScheduler",
    timezone="UTC",
    enable_utc=True,
    task_always_eager=settings.CELERY_TASK_ALWAYS_EAGER,
    task_eager_propagates=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()
