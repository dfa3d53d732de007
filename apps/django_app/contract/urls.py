from django.urls import path, register_converter

from . import converters, database, views

register_converter(converters.UserIdConverter, "user_id")

urlpatterns = [
    path("plaintext", views.plaintext),
    path("json", views.json),
    path("users/<user_id:user_id>", views.user),
    path("echo", views.echo),
    path("template", views.template),
    path("cookie", views.cookie),
    path("io", views.io),
    path("db", database.single_query),
    path("queries", database.multiple_queries),
    path("fortunes", database.fortunes),
    path("updates", database.updates),
]
