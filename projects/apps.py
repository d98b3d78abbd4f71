from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self) -> None:
        from accounts.policy import restrict
        from core import files
        from projects.models import Attachment

        # Attachments are downloaded by those who may view their project.
        files.register(
            files.StoredFiles(
                prefix="attachments/",
                model=Attachment,
                field="file",
                visible=lambda user: restrict(Attachment, user, "view"),
                download_name=lambda a: a.original_name,
                content_types=files.ATTACHMENT_CONTENT_TYPES,
            )
        )
