from django.urls import path

from .views import ProductView

urlpatterns = [path("products/<int:item_id>/", ProductView.as_view(), name="api-product-detail")]
