from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WorkbenchConfig(AppConfig):
    name = "server.workbench"
    label = "workbench"
    verbose_name = "社区工作台"

    def ready(self) -> None:
        from server.workbench import rollup

        # only once the workbench's own migrations ran (its tables must exist)
        post_migrate.connect(rollup.ensure_installed, sender=self, dispatch_uid="workbench-rollup")
