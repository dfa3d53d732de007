"""
URL configuration for djangosite project.

The `urlpatterns` list routes URLs to views. For more information please see:
    https://docs.djangoproject.com/en/5.2/topics/http/urls/
"""

from django.urls import include, path

urlpatterns = [
    path("", include("contract.urls")),
]

# Django's default error pages are HTML; this API answers every error in JSON.
handler400 = "contract.views.bad_request"
handler403 = "contract.views.permission_denied"
handler404 = "contract.views.page_not_found"
handler500 = "contract.views.server_error"
