"""Admin for portfolios (transactions inline), watchlists and alerts; users with the API's username rules.

Saving goes through the services: the transaction inline is validated as one batch by
``services.transactions_apply(dry_run=True)`` in the formset's ``clean`` (a ledger error shows as a
form error on the page, nothing is written), then applied by the same service in ``save_formset``.
If the ledger changed in between, the whole save is rolled back and the error is shown as an
admin message (never a 500). Holdings and the summary are shown read-only on the portfolio page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portfolio import selectors, services
from portfolio.ledger import SHARE_KINDS, Kind
from portfolio.models import Alert, Entitlement, Portfolio, Transaction, WatchlistItem
from portfolio_site import accounts
from portfolio_site.admin_display import grouped, money, price
from portfolio_site.errors import DomainError
from portfolio_site.usernames import username_normalise


class SaveRefused(Exception):
    """A service refused the save after the forms validated (a concurrent change)."""


def _domain_message(exc: DomainError) -> str:
    details = "; ".join(
        f"{name}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for name, value in exc.fields.items()
        if isinstance(value, list)
    )
    return f"{exc.message} ({details})" if details else exc.message


class TransactionInlineForm(forms.ModelForm):
    symbol = forms.CharField(
        label=_("symbol"), required=False, max_length=20, help_text=_("e.g. FPT")
    )
    quantity = forms.IntegerField(label=_("quantity"), required=False, min_value=0)
    fee = forms.DecimalField(
        label=_("fee"),
        required=False,
        max_digits=24,
        decimal_places=0,
        help_text=_("Blank: derived from the rate"),
    )
    tax = forms.DecimalField(
        label=_("tax"),
        required=False,
        max_digits=24,
        decimal_places=0,
        help_text=_("Blank: derived from the rate"),
    )

    class Meta:
        model = Transaction
        fields = services.TRANSACTION_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        row = self.instance
        if row.pk:
            self.initial["symbol"] = row.instrument.symbol if row.instrument_id else ""
            if Kind(row.kind) not in SHARE_KINDS:
                self.initial["quantity"] = None

    def service_fields(self, *, only_changed: bool) -> dict[str, Any]:
        """The form's values as service arguments (blank fee/tax: derive)."""
        data = self.cleaned_data
        names = [n for n in services.TRANSACTION_FIELDS if n in self.fields]
        if only_changed:
            names = [n for n in names if n in self.changed_data]
        fields: dict[str, Any] = {}
        for name in names:
            value = data.get(name)
            if name == "quantity" and value == 0:
                value = None
            if name in ("note", "external_id", "symbol"):
                value = value or ""
            fields[name] = value
        return fields


class TransactionInlineFormSet(BaseInlineFormSet):
    def batch(self) -> services.TransactionBatch:
        creates: list[dict[str, Any]] = []
        updates: list[tuple[Transaction, dict[str, Any]]] = []
        deletes: list[Transaction] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            row = form.instance
            if not isinstance(form, TransactionInlineForm):
                continue
            if self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME):
                if row.pk:
                    deletes.append(row)
            elif row.pk:
                if form.has_changed():
                    updates.append((row, form.service_fields(only_changed=True)))
            elif form.has_changed():
                creates.append(form.service_fields(only_changed=False))
        return services.TransactionBatch(creates=creates, updates=updates, deletes=deletes)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            services.transactions_apply(portfolio=self.instance, batch=self.batch(), dry_run=True)
        except DomainError as exc:
            raise ValidationError(_domain_message(exc)) from exc


class TransactionInline(admin.TabularInline):
    model = Transaction
    form = TransactionInlineForm
    formset = TransactionInlineFormSet
    extra = 1
    fields = (
        *services.TRANSACTION_ENTRY_FIELDS,
        "trade_date",
        "settle_date",
        "note",
        "external_id",
    )
    readonly_fields = ("settle_date",)
    ordering = ("trade_date", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Transaction]:
        return super().get_queryset(request).select_related("instrument")


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> SafeString:
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def _show(value: Any) -> str:
    """A cell of the valuation tables, grouped by thousands in the staff user's language."""
    return grouped(value)


# Column headers of the valuation tables on a portfolio's page.
SUMMARY_LABELS = {
    "cash": _("cash"),
    "market_value": _("market value"),
    "total_value": _("total value"),
    "cost_basis": _("cost basis"),
    "realized_pnl": _("realized P&L"),
    "unrealized_pnl": _("unrealized P&L"),
    "dividends": _("dividends"),
    "interest": _("interest"),
    "fees": _("fees"),
    "taxes": _("taxes"),
    "total_return": _("total return"),
    "total_return_pct": _("total return %"),
    "day_change": _("day change"),
    "as_of": _("as of"),
}
HOLDING_LABELS = {
    "symbol": _("symbol"),
    "quantity": _("quantity"),
    "settled_quantity": _("settled quantity"),
    "avg_cost": _("average cost"),
    "cost_basis": _("cost basis"),
    "last_price": _("last price"),
    "market_value": _("market value"),
    "unrealized_pnl": _("unrealized P&L"),
    "unrealized_pnl_pct": _("unrealized P&L %"),
    "realized_pnl": _("realized P&L"),
    "weight": _("weight"),
}

# The portfolio's rules: every service field after its name and description.
# The rules of a portfolio (its remembered chart benchmark is the owner's choice, not a rule).
ADMIN_FIELDS = tuple(n for n in services.PORTFOLIO_FIELDS if n != "benchmark")
RULE_FIELDS = ADMIN_FIELDS[2:]


class PortfolioAdminForm(forms.ModelForm):
    """Ledger settings are checked with the transactions, by the inline formset's ``clean``
    (it sees this form's unsaved settings and the inline changes together)."""

    class Meta:
        model = Portfolio
        fields = ("owner", "name", "description", *RULE_FIELDS)


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    form = PortfolioAdminForm
    inlines = [TransactionInline]
    list_display = (
        "name",
        "owner",
        "cost_method",
        "enforce_settlement",
        "track_cash",
        "transaction_count",
        "updated_at",
    )
    list_filter = (
        "cost_method",
        "track_cash",
        "enforce_settlement",
        ("owner", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "owner__username", "owner__email", "transactions__instrument__symbol")
    raw_id_fields = ("owner",)
    readonly_fields = ("summary_table", "holdings_table", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("owner", "name", "description")}),
        (_("Rules"), {"fields": RULE_FIELDS}),
        (_("Valuation (computed, read-only)"), {"fields": ("summary_table", "holdings_table")}),
        (_("Timestamps"), {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Portfolio]:
        return (
            super()
            .get_queryset(request)
            .select_related("owner")
            .annotate(transaction_total=Count("transactions"))
        )

    @admin.display(description=_("Transactions"), ordering="transaction_total")
    def transaction_count(self, obj: Portfolio) -> int:
        return int(getattr(obj, "transaction_total", 0))

    @admin.display(description=_("Summary"))
    def summary_table(self, obj: Portfolio) -> SafeString | str:
        if not obj.pk:
            return "-"
        try:  # the stored portfolio: ``obj`` may carry a refused form's settings
            summary = selectors.portfolio_summary(portfolio=Portfolio.objects.get(pk=obj.pk))
        except DomainError as exc:
            return exc.message
        names = (
            "cash",
            "market_value",
            "total_value",
            "cost_basis",
            "realized_pnl",
            "unrealized_pnl",
            "dividends",
            "interest",
            "fees",
            "taxes",
            "total_return",
            "total_return_pct",
            "day_change",
            "as_of",
        )
        headers = tuple(str(SUMMARY_LABELS[n]) for n in names)
        return _table(headers, [tuple(_show(getattr(summary, n)) for n in names)])

    @admin.display(description=_("Holdings"))
    def holdings_table(self, obj: Portfolio) -> SafeString | str:
        if not obj.pk:
            return "-"
        try:
            holdings, _ = selectors.portfolio_holdings(portfolio=Portfolio.objects.get(pk=obj.pk))
        except DomainError as exc:
            return exc.message
        if not holdings:
            return gettext("No open positions.")
        names = (
            "symbol",
            "quantity",
            "settled_quantity",
            "avg_cost",
            "cost_basis",
            "last_price",
            "market_value",
            "unrealized_pnl",
            "unrealized_pnl_pct",
            "realized_pnl",
            "weight",
        )
        headers = tuple(str(HOLDING_LABELS[n]) for n in names)
        return _table(headers, [tuple(_show(getattr(h, n)) for n in names) for h in holdings])

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SaveRefused as refused:  # the admin's atomic block has rolled everything back
            message = gettext("Nothing was saved: %(reason)s") % {"reason": refused}
            self.message_user(request, message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(
        self, request: HttpRequest, obj: Portfolio, form: forms.ModelForm, change: bool
    ) -> None:
        fields = {n: getattr(obj, n) for n in ADMIN_FIELDS}
        try:
            if not change:
                name = fields.pop("name")
                saved = services.portfolio_create(owner=obj.owner, name=name, **fields)
                obj.pk = saved.pk
                obj.created_at, obj.updated_at = saved.created_at, saved.updated_at
                return
            stored = Portfolio.objects.get(pk=obj.pk)
            if obj.owner_id != stored.owner_id:
                Portfolio.objects.filter(pk=obj.pk).update(owner_id=obj.owner_id)
            changes = {n: fields[n] for n in form.changed_data if n in fields}
            services.portfolio_update(portfolio=stored, changes=changes)
        except DomainError as exc:
            raise SaveRefused(_domain_message(exc)) from exc

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        if not isinstance(formset, TransactionInlineFormSet):
            super().save_formset(request, form, formset, change)
            return
        batch = formset.batch()
        try:
            rows = services.transactions_apply(portfolio=form.instance, batch=batch)
        except DomainError as exc:  # the ledger changed since the form was validated
            raise SaveRefused(_domain_message(exc)) from exc
        formset.new_objects = rows[len(batch.updates) :]
        formset.changed_objects = [(row, list(changes)) for row, changes in batch.updates]
        formset.deleted_objects = list(batch.deletes)

    def delete_model(self, request: HttpRequest, obj: Portfolio) -> None:
        services.portfolio_delete(portfolio=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Portfolio]) -> None:
        for portfolio in queryset:
            services.portfolio_delete(portfolio=portfolio)


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    """Search across portfolios; edit transactions on their portfolio's page (ledger-checked).

    Seven narrow columns fit a laptop screen: fee and tax are on the portfolio's page, the owner
    is shown with the portfolio."""

    list_display = (
        "trade_date",
        "kind",
        "instrument",
        "quantity_shown",
        "price_shown",
        "amount_shown",
        "portfolio_shown",
    )
    list_filter = ("kind", "trade_date", ("portfolio__owner", admin.RelatedOnlyFieldListFilter))
    search_fields = (
        "instrument__symbol",
        "portfolio__name",
        "portfolio__owner__username",
        "note",
        "external_id",
    )
    date_hierarchy = "trade_date"
    list_select_related = ("instrument", "portfolio__owner")

    @admin.display(description=_("quantity"), ordering="quantity")
    def quantity_shown(self, obj: Transaction) -> str:
        return grouped(obj.quantity) if obj.quantity else "-"

    @admin.display(description=_("price"), ordering="price")
    def price_shown(self, obj: Transaction) -> str:
        return price(obj.price)

    @admin.display(description=_("amount"), ordering="amount")
    def amount_shown(self, obj: Transaction) -> str:
        return money(obj.amount)

    @admin.display(description=_("portfolio"), ordering="portfolio__name")
    def portfolio_shown(self, obj: Transaction) -> str:
        return f"{obj.portfolio} · {obj.portfolio.owner}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WatchlistItem)
class WatchlistItemAdmin(admin.ModelAdmin):
    list_display = ("user", "instrument", "created_at")
    list_filter = (("user", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("user__username", "instrument__symbol")
    raw_id_fields = ("user", "instrument")
    list_select_related = ("user", "instrument")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "instrument",
        "condition",
        "threshold",
        "is_active",
        "triggered_at",
        "triggered_price",
        "created_at",
    )
    list_filter = ("condition", "is_active", ("user", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "instrument__symbol")
    raw_id_fields = ("user", "instrument")
    readonly_fields = ("triggered_at", "triggered_price", "created_at")
    list_select_related = ("user", "instrument")


# --- Users -------------------------------------------------------------------------------------------
class AccountRulesMixin(forms.ModelForm):
    """Registration's rules on the admin's user forms: usernames NFKC, unique ignoring case, no
    look-alike letters (``accounts.username_problem``); emails unique ignoring case."""

    def clean_username(self) -> str:
        username = username_normalise(self.cleaned_data.get("username") or "")
        problem = accounts.username_problem(username=username, exclude_pk=self.instance.pk)
        if problem is not None:
            raise ValidationError(problem.fields["username"])
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email") or ""
        problem = accounts.email_problem(email=email, exclude_pk=self.instance.pk)
        if problem is not None:
            raise ValidationError(problem.fields["email"])
        return email


class UserCreationWithRules(AccountRulesMixin, AdminUserCreationForm):
    pass


class UserChangeWithRules(AccountRulesMixin, UserChangeForm):
    pass


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    """Read-only: entitlements are computed from the events and the ledger (correct the event, and
    they follow)."""

    list_display = (
        "portfolio",
        "event",
        "status",
        "shares_held",
        "cash_gross",
        "cash_tax",
        "new_shares",
        "rights",
        "exercised",
        "applied_at",
    )
    list_filter = ("status", "event__kind")
    search_fields = ("portfolio__name", "event__instrument__symbol")
    list_select_related = ("portfolio", "event__instrument")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeWithRules
    add_form = UserCreationWithRules
