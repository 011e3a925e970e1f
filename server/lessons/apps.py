from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "server.lessons"
    label = "lessons"
    verbose_name = "学用手机"

    def ready(self):
        # Progress and attendance arrive through the kiosks' durable outbox (kind "lesson_progress").
        try:
            from server.api.kinds import HANDLERS
        except ImportError:   # the sync API app is not installed: the phone pages still work
            return
        from server.lessons.progress import handle_progress

        HANDLERS["lesson_progress"] = handle_progress
