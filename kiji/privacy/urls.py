from django.urls import path

from kiji.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.policy, name="policy"),
    path("rules/", views.rules, name="rules"),
    path("consent/", views.consent, name="consent"),
    path("consent/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("settings/", views.privacy_settings, name="settings"),
    path("export/", views.export, name="export"),
    path("delete/", views.delete_account, name="delete"),
]
