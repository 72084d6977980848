"""The public pages (portal.public_cache) read rows that other apps write: the case and its files,
the provincial selection and certificates, the campaign's vote window. Whatever writes them (a
page, the admin, an import, a task), the stored public pages must go stale after the commit, so
the invalidation hangs on the rows' own save and delete rather than on each writer remembering it.
This app's own writes invalidate explicitly (showcase.services)."""

from django.db.models.signals import post_delete, post_save

from portal.public_cache import bump_public_pages


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # loading fixtures
        return
    bump_public_pages()


def connect() -> None:
    from cases.models import Campaign, Case, Rendition, Upload
    from review.models import Certificate, Selection

    for model in (Campaign, Case, Upload, Rendition, Selection, Certificate):
        post_save.connect(_changed, sender=model, dispatch_uid=f"showcase-public-pages-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"showcase-public-pages-delete-{model.__name__}")
