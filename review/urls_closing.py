from django.urls import path

from review.views import closing

urlpatterns = [
    path("review/province/closing/", closing.closing_home, name="closing_home"),
    path("review/province/closing/close/", closing.campaign_close, name="campaign_close"),
    path("review/province/closing/dashboard/", closing.dashboard, name="closing_dashboard"),
    path("review/province/closing/dashboard.<str:fmt>", closing.dashboard_export, name="closing_dashboard_export"),
    path("review/province/closing/wechat/", closing.wechat_list, name="closing_wechat"),
    path("review/province/closing/wechat.<str:fmt>", closing.wechat_export, name="closing_wechat_export"),
    path("review/province/closing/programme/", closing.programme, name="closing_programme"),
    path("review/province/closing/programme.<str:fmt>", closing.programme_export, name="closing_programme_export"),
    path("review/province/closing/archive.zip", closing.archive_download, name="closing_archive"),
    # Any campaign by its year, so an earlier one stays reachable once a new one is current.
    path("review/province/closing/<int:year>/", closing.closing_home, name="closing_campaign"),
    path("review/province/closing/<int:year>/close/", closing.campaign_close, name="closing_campaign_close"),
    path("review/province/closing/<int:year>/archive.zip", closing.archive_download, name="closing_campaign_archive"),
    path("review/closing/summaries/", closing.summary_list, name="closing_summaries"),
    path("review/closing/summaries/<int:city_id>/draft.docx", closing.summary_draft, name="closing_summary_draft"),
    path("review/closing/documents/<str:holder>/<str:kind>/upload/", closing.document_upload, name="closing_document_upload"),
    path("review/closing/documents/<str:holder>/<str:kind>/", closing.document_download, name="closing_document_download"),
]
