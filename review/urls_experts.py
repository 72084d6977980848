from django.urls import path

from review.views import experts

urlpatterns = [
    path("experts/", experts.expert_home, name="expert_home"),
    path("experts/cases/<int:pk>/", experts.expert_case, name="expert_case"),
    path("experts/cases/<int:pk>/conflict/", experts.expert_declare_conflict, name="expert_declare_conflict"),
    path("review/<slug:tier_slug>/experts/", experts.expert_board, name="expert_board"),
    path("review/<slug:tier_slug>/experts/template.xlsx", experts.expert_sheet, name="expert_sheet"),
    path("review/<slug:tier_slug>/experts/auto/", experts.expert_board_auto, name="expert_board_auto"),
    path("review/<slug:tier_slug>/experts/cases/<int:pk>/assign/", experts.expert_board_assign, name="expert_board_assign"),
    path("review/<slug:tier_slug>/experts/assignments/<int:assignment_id>/end/", experts.expert_board_unassign,
         name="expert_board_unassign"),
    path("review/<slug:tier_slug>/experts/cases/<int:pk>/conflicts/<int:expert_id>/<slug:source>/dismiss/",
         experts.expert_board_dismiss, name="expert_board_dismiss"),
    path("review/<slug:tier_slug>/scores/", experts.score_overview, name="score_overview"),
]
