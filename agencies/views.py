from django.contrib.auth.views import LoginView

from .forms import PortalLoginForm


class PortalLoginView(LoginView):
    """Log-in behind the system-use notice, which must be acknowledged (CJIS AC-8)."""

    form_class = PortalLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
