from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("password/reset/sms/", views.password_reset_sms, name="password_reset_sms"),
    path("password/reset/sms/confirm/", views.password_reset_sms_confirm, name="password_reset_sms_confirm"),
    path("register/", views.register, name="register"),
    path("register/invite/<str:token>/", views.register, name="register_invited"),
    path("register/status/", views.registration_status, name="registration_status"),
    path("registrations/", views.registration_list, name="registration_list"),
    path("registrations/<int:pk>/approve/", views.registration_approve, name="registration_approve"),
    path("registrations/<int:pk>/reject/", views.registration_reject, name="registration_reject"),
    path("registrations/invites/", views.invite_create, name="invite_create"),
]
