from django.urls import path

from kiji.members import views

app_name = "members"

urlpatterns = [
    path("me/", views.account_home, name="home"),
    path("me/basic/", views.basic_info, name="basic"),
    path("me/details/", views.complete_profile, name="complete"),
]
