from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "server.workbench"
    label = "workbench"
    verbose_name = "社区工作台"
