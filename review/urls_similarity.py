from django.urls import path

from review.views import similarity

urlpatterns = [
    path("province/similar/", similarity.similar_clusters, name="similar_clusters"),
    path("province/similar/export.xlsx", similarity.similar_clusters_export, name="similar_clusters_export"),
]
