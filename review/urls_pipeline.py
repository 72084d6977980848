from django.urls import path

from review.views import city, pipeline, previews, province

urlpatterns = [
    path("review/", pipeline.inbox, name="inbox"),
    path("review/cases/<int:pk>/", pipeline.case_review, name="case_review"),
    path("review/cases/<int:pk>/decide/", pipeline.case_decide, name="case_decide"),
    path("review/cases/<int:pk>/opinion/", pipeline.case_opinion, name="case_opinion"),
    path("review/list/", pipeline.batch_detail, name="batch_detail"),
    path("review/list/rank/", pipeline.batch_rank, name="batch_rank"),
    path("review/list/restore-order/", pipeline.batch_restore_order, name="batch_restore_order"),
    path("review/list/generate/", pipeline.batch_generate, name="batch_generate"),
    path("review/list/scan/", pipeline.batch_scan, name="batch_scan"),
    path("review/list/forward/", pipeline.batch_forward, name="batch_forward"),
    path("review/batches/<int:batch_id>/packages.zip", pipeline.batch_packages, name="batch_packages"),
    path("review/batches/<int:batch_id>/<str:kind>/", pipeline.batch_file, name="batch_file"),
    path("review/uploads/<int:upload_id>/preview/", previews.upload_preview, name="upload_preview"),
    path("review/uploads/<int:upload_id>/preview/status/", previews.upload_preview_status, name="upload_preview_status"),
    path("review/city/selection/", city.city_selection, name="city_selection"),
    path("review/city/selection/check/", city.city_selection_check, name="city_selection_check"),
    path("review/city/selection/apply/", city.city_selection_apply, name="city_selection_apply"),
    path("province/", province.province_overview, name="province_overview"),
    path("province/extend/", province.province_extend, name="province_extend"),
    path("province/export/cases.xlsx", province.province_export, name="province_export"),
    path("province/export/packages.zip", province.province_packages, name="province_packages"),
    path("province/audit/", province.audit_log, name="audit_log"),
]
