from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portfolio_site import api_fallback, auth_api, health
from realtime.board_api import BoardApi

admin.site.site_url = settings.FRONTEND_URL  # "View site" opens the web client
admin.site.site_header = _("Portfolio tracker administration")
admin.site.site_title = _("Portfolio tracker admin")

auth_patterns = [
    path("register/", auth_api.RegisterView.as_view(), name="auth-register"),
    path("token/", auth_api.TokenView.as_view(), name="auth-token"),
    path("token/refresh/", auth_api.TokenRefresh.as_view(), name="auth-token-refresh"),
    path("logout/", auth_api.LogoutView.as_view(), name="auth-logout"),
    path("me/", auth_api.MeView.as_view(), name="auth-me"),
    path("password/", auth_api.PasswordChangeView.as_view(), name="auth-password"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's vi/en switch
    path("api/auth/ws-ticket/", include("realtime.urls")),
    path("api/auth/", include(auth_patterns)),
    path("api/market/board/", BoardApi.as_view(), name="market-board"),
    path("api/market/", include("market.urls")),
    path("api/", include("portfolio.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    re_path(r"^api/", api_fallback.ApiNotFound.as_view(), name="api-not-found"),  # the last route
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()

handler400 = "portfolio_site.api_errors.json_bad_request"
handler404 = "portfolio_site.api_errors.json_not_found"
handler500 = "portfolio_site.api_errors.json_server_error"
