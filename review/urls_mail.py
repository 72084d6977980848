from django.urls import path

from review.views import mail

urlpatterns = [
    path("province/mail/", mail.outbox, name="mail_outbox"),
    path("province/mail/resend-failed/", mail.outbox_resend_failed, name="mail_resend_failed"),
    path("province/mail/<int:mail_id>/", mail.outbox_detail, name="mail_detail"),
    path("province/mail/<int:mail_id>/resend/", mail.outbox_resend, name="mail_resend"),
    path("province/mail/templates/", mail.mail_templates, name="mail_templates"),
    path("province/mail/templates/<slug:mail_kind>/", mail.mail_template_edit, name="mail_template_edit"),
]

from review.views import announcements  # noqa: E402

urlpatterns += [path("province/announcements/", announcements.announcement_list, name="announcement_list")]
