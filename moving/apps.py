from django.apps import AppConfig


class MovingConfig(AppConfig):
    name = "moving"
    verbose_name = "Moving a blog in and out"
