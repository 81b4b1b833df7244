from django.contrib.auth import views as auth_views
from django.urls import path

from bitium.views import dashboard

from . import audit_views, views

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("sign-in/", views.LoginView.as_view(), name="login"),
    path("sign-in/code/", views.sign_in_code, name="sign_in_code"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("activate/resend/", views.resend_activation, name="resend_activation"),
    path("activate/<str:token>/", views.activate, name="activate"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<uuid:user_id>/", views.person_edit, name="person_edit"),
    path("people/<uuid:user_id>/active/", views.person_set_active, name="person_set_active"),
    path("security/", views.security, name="security"),
    path("security/two-factor/", views.security_setup, name="security_setup"),
    path(
        "security/recovery-codes/",
        views.security_recovery_codes,
        name="security_recovery_codes",
    ),
    path("security/two-factor/off/", views.security_disable, name="security_disable"),
    path("settings/", views.organization_settings, name="settings"),
    path("settings/emails/<uuid:email_id>/retry/", views.retry_email, name="retry_email"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export.csv", audit_views.audit_log_csv, name="audit_log_csv"),
    path("audit/<uuid:entry_id>/", audit_views.audit_entry, name="audit_entry"),
]
