"""PDF exports: a template laid out by WeasyPrint with the export stylesheet, offline.

One helper for every export (a case, an item, a product): `render_pdf` renders the template,
lays it out with `static/css/export.css` (the marking in the top and bottom margin of every
page, page numbers) and the system's fonts (fontconfig: DejaVu on Debian), and never fetches
a URL: the fetcher refuses everything but the `data:` URLs a template may embed, so a link or
an image in a text cannot make the server reach out (an address on the network, a file on
disk). `pdf_export` is the views' answer: the PDF sent as an attachment once the export is
recorded, or a page saying it failed and nothing recorded.
"""

import logging
from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "css" / "export.css"


class PdfFailed(Exception):
    """The PDF could not be laid out; nothing of it was sent."""


class OfflineFetcher(URLFetcher):
    """Fetches `data:` URLs only; every other URL is refused and remembered in `refused`."""

    def __init__(self):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        self.refused = []

    def fetch(self, url, headers=None):
        if not url.startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"An export fetches nothing: {url[:80]} refused.")
        return super().fetch(url, headers)


def render_pdf(template_name, context, *, fetcher=None):
    """The PDF of the template (bytes). PdfFailed when WeasyPrint cannot lay it out."""
    html = render_to_string(template_name, context)
    fetcher = fetcher or OfflineFetcher()
    try:
        document = HTML(string=html, base_url=None, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[CSS(string=STYLESHEET.read_text(), url_fetcher=fetcher)])
    except Exception as error:  # WeasyPrint's own errors have no common base class
        logger.exception("PDF export of %s failed", template_name)
        raise PdfFailed(str(error)) from error


def pdf_export(request, template_name, context, *, filename, record):
    """The export's answer: the PDF as an attachment once `record()` (the export's record,
    one transaction) has run; or, when the PDF cannot be laid out, a page that says so, and
    nothing recorded."""
    try:
        pdf = render_pdf(template_name, {**context, "request": request, "user": request.user})
    except PdfFailed:
        return render(request, "exports/failed.html", {"back_url": context.get("back_url", "")},
                      status=500)
    record()
    return pdf_response(pdf, filename)


def pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Length"] = str(len(pdf))
    response["Cache-Control"] = "no-store"
    return response
