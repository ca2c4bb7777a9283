"""OPTIONS on an endpoint: DRF's metadata (name, description, what it renders and parses) and,
for each write the caller's key may make, the fields of its input serializer.

The API's views have no `serializer_class`: each write names its own input serializer
(`input_serializers`, by HTTP method), which is what OPTIONS describes. The description never
reads the object of a detail URL, so it is the same for a missing and an invisible one.
"""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


class ApiMetadata(SimpleMetadata):
    def determine_actions(self, request, view):
        actions = {}
        inputs = getattr(view, "input_serializers", {})
        for method in [m for m in view.allowed_methods if m in inputs]:
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
            except (exceptions.APIException, Http404):
                continue
            finally:
                view.request = request
            actions[method] = self.get_serializer_info(inputs[method]())
        return actions
