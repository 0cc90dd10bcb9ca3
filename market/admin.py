"""Admin for market data: instruments (with backfill and refresh actions), read-only quotes, ticks
and bars with date navigation, and corporate events (edited through ``market.events``, with their
change history). The periodic tasks are django-celery-beat's own admin pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from market import services
from market.events import (
    CorporateEventInvalid,
    corporate_event_check,
    corporate_event_update,
    corporate_event_upsert,
)
from market.models import Bar, CorporateEvent, Instrument, InstrumentGroup, Quote, Tick
from market.providers.base import CorporateEventData, ProviderError, get_provider
from portfolio_site.admin_display import grouped, price


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the pipeline only: viewable, never edited or added by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(InstrumentGroup)
class InstrumentGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "member_count")
    search_fields = ("code", "name")

    @admin.display(description=_("members"))
    def member_count(self, group: InstrumentGroup) -> int:
        return group.instruments.count()


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("symbol", "name", "exchange", "type", "industry", "group_codes", "is_active")
    list_filter = ("exchange", "type", "groups", "is_active")
    search_fields = ("symbol", "name", "name_en")
    filter_horizontal = ("groups",)
    readonly_fields = ("created_at", "updated_at")
    actions = ("backfill_history", "refresh_quote")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Instrument]:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("groups"))
    def group_codes(self, instrument: Instrument) -> str:
        return ", ".join(group.code for group in instrument.groups.all())

    @admin.action(description=_("Backfill two years of daily history (in the worker)"))
    def backfill_history(self, request: HttpRequest, queryset: QuerySet[Instrument]) -> None:
        from market.tasks import backfill_history

        symbols = list(queryset.values_list("symbol", flat=True))
        try:
            backfill_history.delay(symbols=symbols, days=730)
        except Exception as exc:  # the broker may be down: say so instead of a 500
            message = gettext("Could not queue the backfill: %(error)s") % {"error": exc}
            self.message_user(request, message, messages.ERROR)
            return
        queued = ngettext(
            "Queued a history backfill of %(count)d instrument.",
            "Queued a history backfill of %(count)d instruments.",
            len(symbols),
        ) % {"count": len(symbols)}
        self.message_user(request, queued, messages.INFO)

    @admin.action(description=_("Refresh the quote now"))
    def refresh_quote(self, request: HttpRequest, queryset: QuerySet[Instrument]) -> None:
        symbols = list(queryset.values_list("symbol", flat=True)[: services.REFRESH_MAX])
        try:
            result = services.quotes_refresh(symbols=symbols, provider=get_provider())
        except ProviderError as exc:
            message = gettext("The provider failed: %(error)s") % {"error": exc}
            self.message_user(request, message, messages.ERROR)
            return
        level = messages.WARNING if result.rejected else messages.INFO
        summary = gettext(
            "Quotes: %(stored)d stored, %(unchanged)d unchanged, %(rejected)d rejected; "
            "%(ticks)d ticks."
        ) % {
            "stored": result.stored,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "ticks": result.ticks,
        }
        self.message_user(request, summary, level)


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = (
        "instrument",
        "price_shown",
        "reference_shown",
        "change_shown",
        "change_pct",
        "volume_shown",
        "as_of",
        "source",
    )
    list_filter = ("source", "instrument__exchange", "instrument__type")
    search_fields = ("instrument__symbol",)
    date_hierarchy = "as_of"
    list_select_related = ("instrument",)

    @admin.display(description=_("price"), ordering="price")
    def price_shown(self, quote: Quote) -> str:
        return price(quote.price)

    @admin.display(description=_("reference"), ordering="reference")
    def reference_shown(self, quote: Quote) -> str:
        return price(quote.reference)

    @admin.display(description=_("change"), ordering="change")
    def change_shown(self, quote: Quote) -> str:
        return price(quote.change)

    @admin.display(description=_("volume"), ordering="volume")
    def volume_shown(self, quote: Quote) -> str:
        return grouped(quote.volume)


@admin.register(Tick)
class TickAdmin(ReadOnlyAdmin):
    list_display = ("instrument", "seq", "time", "price_shown", "volume_shown", "side", "source")
    list_filter = ("source", "side")
    search_fields = ("instrument__symbol",)
    date_hierarchy = "time"
    list_select_related = ("instrument",)
    show_full_result_count = False
    ordering = ("-time",)

    @admin.display(description=_("price"), ordering="price")
    def price_shown(self, tick: Tick) -> str:
        return price(tick.price)

    @admin.display(description=_("volume"), ordering="volume")
    def volume_shown(self, tick: Tick) -> str:
        return grouped(tick.volume)


@admin.register(Bar)
class BarAdmin(ReadOnlyAdmin):
    list_display = ("instrument", "interval", "start", "close_shown", "volume_shown")
    list_filter = ("interval", "source")
    search_fields = ("instrument__symbol",)
    date_hierarchy = "start"
    list_select_related = ("instrument",)
    show_full_result_count = False
    ordering = ("-start",)

    @admin.display(description=_("close"), ordering="close")
    def close_shown(self, bar: Bar) -> str:
        return price(bar.close)

    @admin.display(description=_("volume"), ordering="volume")
    def volume_shown(self, bar: Bar) -> str:
        return grouped(bar.volume)


MANUAL_SOURCE = "manual"


EVENT_TERMS = (
    "kind",
    "status",
    "title",
    "announcement_date",
    "ex_date",
    "record_date",
    "payment_date",
    "cash_per_share",
    "ratio_old",
    "ratio_new",
    "subscription_price",
    "subscription_start",
    "subscription_end",
)


class CorporateEventForm(forms.ModelForm):
    """Checks the terms with the service's own rules and shows each reason on its field."""

    class Meta:
        model = CorporateEvent
        fields = ("instrument", *EVENT_TERMS)

    def event_data(self) -> CorporateEventData:
        data = self.cleaned_data
        instance = self.instance
        terms: dict[str, Any] = {name: data.get(name) for name in EVENT_TERMS}
        terms["title"] = terms["title"] or ""
        return CorporateEventData(
            symbol=data["instrument"].symbol,
            source=instance.source or MANUAL_SOURCE,
            source_id=instance.source_id,
            **terms,
        )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is None or cleaned.get("instrument") is None:
            return cleaned
        try:
            corporate_event_check(data=self.event_data())
        except CorporateEventInvalid as exc:
            for name, reason in exc.fields.items():
                if name not in self.errors:  # a field the form already refused stays as it is
                    self.add_error(name if name in self.fields else None, reason)
        return cleaned


@admin.register(CorporateEvent)
class CorporateEventAdmin(SimpleHistoryAdmin):
    form = CorporateEventForm
    list_display = (
        "instrument",
        "kind",
        "status",
        "ex_date",
        "record_date",
        "payment_date",
        "cash_shown",
        "ratio",
        "subscription_shown",
        "source",
    )
    list_filter = ("kind", "status", "source", "ex_date")
    search_fields = ("instrument__symbol", "title", "source_id")
    date_hierarchy = "ex_date"
    list_select_related = ("instrument",)
    autocomplete_fields = ("instrument",)
    readonly_fields = ("source", "source_id", "created_at", "updated_at")

    @admin.display(description=_("cash per share"), ordering="cash_per_share")
    def cash_shown(self, event: CorporateEvent) -> str:
        return price(event.cash_per_share)

    @admin.display(description=_("subscription price"), ordering="subscription_price")
    def subscription_shown(self, event: CorporateEvent) -> str:
        return price(event.subscription_price)

    def save_model(
        self, request: HttpRequest, obj: CorporateEvent, form: Any, change: bool
    ) -> None:
        """Save through the service (the same checks as ingestion; history records the user)."""
        data = form.event_data()
        if change:
            saved = corporate_event_update(event=obj, data=data, changed_by=request.user)
        else:
            saved = corporate_event_upsert(data=data, changed_by=request.user).event
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()
