from django.urls import path

from cases import views, views_fixes, views_resumable

app_name = "cases"
urlpatterns = [
    path("manage/import/", views.directory_import, name="directory_import"),
    path("manage/import/template.xlsx", views.directory_import_template, name="directory_import_template"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/recommendation-form.docx", views.blank_form, name="blank_form"),
    # The blank 案例概要 (issue 18): public, the campaign page links to it too.
    path("cases/narrative-template.docx", views.narrative_template_download, name="narrative_template"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/autosave/", views.case_autosave, name="case_autosave"),
    path("cases/<int:pk>/submit/", views.case_submit, name="case_submit"),
    path("cases/<int:pk>/files/", views.case_files, name="case_files"),
    path("cases/<int:pk>/files/<str:slot>/", views.slot_status, name="slot_status"),
    path("cases/<int:pk>/files/<str:slot>/upload/", views.upload_file, name="upload_file"),
    path("cases/<int:pk>/uploads/<int:upload_id>/download/", views.download_file, name="download_file"),
    path("cases/<int:pk>/uploads/<int:upload_id>/withdraw/", views.withdraw_file, name="withdraw_file"),
    path("cases/<int:pk>/recommendation-form.docx", views.filled_form, name="filled_form"),
    path("cases/<int:pk>/package.zip", views.package_download, name="package"),
    path("cases/<int:pk>/photos.zip", views.photo_folder_download, name="photo_folder"),
    path("cases/<int:pk>/proof-cover.docx", views.proof_cover, name="proof_cover"),
    path("cases/<int:pk>/paper-checklist.docx", views.paper_checklist, name="paper_checklist"),
    # 一键修正格式 (issue 18): ask, watch, read the changes, accept or discard, download.
    path("cases/<int:pk>/narrative-fix/", views_fixes.fix_request, name="fix_request"),
    path("cases/<int:pk>/narrative-fix/<int:fix_id>/", views_fixes.fix_detail, name="fix_detail"),
    path("cases/<int:pk>/narrative-fix/<int:fix_id>/accept/", views_fixes.fix_accept, name="fix_accept"),
    path("cases/<int:pk>/narrative-fix/<int:fix_id>/discard/", views_fixes.fix_discard, name="fix_discard"),
    path("cases/<int:pk>/narrative-fix/<int:fix_id>/fixed.docx", views_fixes.fix_download, name="fix_download"),
    path("cases/<int:pk>/narrative-fix/<int:fix_id>/<str:which>.png", views_fixes.fix_preview, name="fix_preview"),
    # The winners' materials (附件1 七、八) and the resumable upload protocol (cases/resumable.py).
    path("cases/<int:pk>/winner-files/", views_resumable.winner_files, name="winner_files"),
    path("cases/<int:pk>/winner-files/<str:slot>/", views_resumable.winner_slot_status, name="winner_slot_status"),
    path("cases/<int:pk>/winner-files/<str:slot>/resumable/", views_resumable.resumable_start, name="resumable_start"),
    path("cases/<int:pk>/resumable/<uuid:session_id>/", views_resumable.resumable_session, name="resumable_session"),
    path("cases/<int:pk>/resumable/<uuid:session_id>/finish/", views_resumable.resumable_finish, name="resumable_finish"),
]
