from django.urls import include, path

app_name = "review"
# Each area of the review app keeps its own URL module; add it here.
urlpatterns = [
    path("", include("review.urls_pipeline")),
]
urlpatterns += [path("", include("review.urls_experts"))]
urlpatterns += [path("", include("review.urls_voting"))]
urlpatterns += [path("", include("review.urls_selection"))]
urlpatterns += [path("", include("review.urls_closing"))]
urlpatterns += [path("", include("review.urls_mail"))]
urlpatterns += [path("", include("review.urls_paper"))]
urlpatterns += [path("", include("review.urls_similarity"))]
