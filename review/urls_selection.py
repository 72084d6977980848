from django.urls import path

from review.views import selection

urlpatterns = [
    path("review/province/selection/", selection.selection_board, name="selection_board"),
    path("review/province/selection/compute/", selection.selection_compute, name="selection_compute"),
    path("review/province/selection/cases/<int:pk>/override/", selection.selection_override, name="selection_override"),
    path("review/province/selection/publish/", selection.selection_publish, name="selection_publish"),
    path("review/province/selection/withdraw/", selection.selection_withdraw, name="selection_withdraw"),
    path("review/province/selection/finalise/", selection.selection_finalise, name="selection_finalise"),
    path("review/province/certificates/", selection.certificate_list, name="certificate_list"),
    path("review/province/certificates/issue/", selection.certificate_issue, name="certificate_issue"),
    path("review/province/certificates/all.zip", selection.certificate_zip, name="certificate_zip"),
    path("review/province/certificates/<str:number>.pdf", selection.certificate_pdf, name="certificate_pdf"),
    path("results/", selection.publicity, name="publicity"),
    path("certificates/verify/", selection.certificate_verify, name="certificate_verify"),
]
