from django.urls import path

from . import views

urlpatterns = [
    path("products/new/", views.product_new, name="product-new"),
    path("products/<int:item_id>/", views.product_detail, name="product-detail"),
    path("products/<int:item_id>/export.pdf", views.product_export, name="product-export"),
    path("products/<int:item_id>/publish/", views.product_publish, name="product-publish"),
]
