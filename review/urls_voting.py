from django.urls import path

from review.views import gallery, voting

urlpatterns = [
    path("vote/", voting.vote_gallery, name="vote_gallery"),
    path("vote/photos/<int:upload_id>.jpg", voting.vote_photo, name="vote_photo"),
    path("vote/photos/<int:upload_id>/thumb.webp", gallery.vote_thumb, name="vote_thumb"),
    path("vote/cases/<int:pk>/", gallery.vote_candidate, name="vote_candidate"),
    path("vote/cases/<int:pk>/qr.png", gallery.vote_candidate_qr, name="vote_candidate_qr"),
    path("vote/picks/", gallery.vote_picks, name="vote_picks"),
    path("vote/phone/", voting.vote_phone, name="vote_phone"),
    path("vote/verify/", voting.vote_verify, name="vote_verify"),
    path("vote/ballot/", voting.vote_ballot, name="vote_ballot"),
    path("vote/receipt/", voting.vote_receipt_lookup, name="vote_receipt_lookup"),
    path("vote/receipt/<str:receipt>/", voting.vote_receipt, name="vote_receipt"),
    path("review/province/vote/", voting.vote_control, name="vote_control"),
    path("review/province/vote/open/", voting.vote_open, name="vote_open"),
    path("review/province/vote/close/", voting.vote_close, name="vote_close"),
    path("review/province/vote/quarantine/", voting.vote_quarantine, name="vote_quarantine"),
    path("review/province/vote/quarantine/run/", voting.vote_quarantine_run, name="vote_quarantine_run"),
    path("review/province/vote/ballots/<int:pk>/decide/", voting.vote_quarantine_decide, name="vote_quarantine_decide"),
    path("review/province/vote/quarantine/groups/decide/", voting.vote_quarantine_group_decide,
         name="vote_quarantine_group_decide"),
    path("review/province/vote/report/", voting.vote_report, name="vote_report"),
    path("review/province/vote/report.xlsx", voting.vote_report_export, name="vote_report_export"),
]
