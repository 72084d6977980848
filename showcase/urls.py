from django.urls import path

from showcase import views

app_name = "showcase"
urlpatterns = [
    path("showcase/", views.showcase_index, name="index"),
    path("showcase/cases/<int:pk>/", views.showcase_case, name="case"),
    path("showcase/cases/<int:pk>/qr.png", views.showcase_case_qr, name="case_qr"),
    path("showcase/cases/<int:pk>/video.mp4", views.showcase_video, name="video"),
    path("showcase/media/<int:upload_id>/<str:kind>", views.showcase_media, name="media"),
    path("showcase/programme/", views.showcase_programme, name="programme"),
    path("showcase/videos/", views.showcase_videos, name="videos"),
    path("cases/<int:pk>/showcase/", views.story_edit, name="story_edit"),
    path("cases/<int:pk>/showcase/consent/", views.story_consent, name="story_consent"),
    path("review/province/showcase/", views.manage, name="manage"),
    path("review/province/showcase/cases/<int:pk>/approve/", views.manage_approve, name="manage_approve"),
    path("review/province/showcase/cases/<int:pk>/return/", views.manage_return, name="manage_return"),
    path("review/province/showcase/cases/<int:pk>/unpublish/", views.manage_unpublish, name="manage_unpublish"),
    path("review/province/showcase/cases/<int:pk>/republish/", views.manage_republish, name="manage_republish"),
]
