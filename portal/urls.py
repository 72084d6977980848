from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from portal import views
from portal import views_health

admin.site.site_header = _("Innovation Case Portal administration")
admin.site.site_title = _("Innovation Case Portal")
admin.site.index_title = _("Provincial administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views_health.healthz, name="healthz"),
    path("readyz", views_health.readyz, name="readyz"),
    path("login/", views.LoginView.as_view(), name="login"),
    # The campaign's public page and its attachments (附件1–6): no sign-in.
    path("campaign/", views.campaign_page, name="campaign_page"),
    path("campaign/attachments/<int:attachment>.docx", views.campaign_attachment, name="campaign_attachment"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Before the token view's pattern, which would take /password/reset/sms/confirm/ for a token.
    path("", include("accounts.urls")),
    # Password reset by mail: Django's token views with the portal's form, audit and limits (accounts).
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("", include("cases.urls")),
    path("", include("review.urls")),
    path("", include("showcase.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "portal.errors.server_error"
