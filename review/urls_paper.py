from django.urls import path

from review.views import paper

urlpatterns = [
    path("review/paper/", paper.paper_overview, name="paper_overview"),
    path("review/paper/cases/<int:pk>/", paper.case_paper, name="case_paper"),
    path("review/paper/batches/<int:batch_id>/sent/", paper.batch_paper, name="batch_paper"),
    path("review/paper/<int:shipment_id>/received/", paper.paper_receive, name="paper_receive"),
]
