from django.urls import path

from kiji.premium import views

app_name = "premium"

urlpatterns = [
    path("", views.plans, name="plans"),
    path("checkout/<slug:code>/", views.checkout, name="checkout"),
    path("subscription/", views.subscription, name="subscription"),
    path("subscription/cancel/", views.cancel, name="cancel"),
    path("subscription/resume/", views.resume, name="resume"),
    path("subscription/withdraw/", views.withdraw, name="withdraw"),
    path("invoices/<str:number>/", views.invoice, name="invoice"),
]
