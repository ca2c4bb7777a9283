"""Reading an exported PDF as its reader would: the text of each page, and a page as a picture
(pypdfium2, PDFium's own parser)."""

import pypdfium2


def pages_text(content):
    """The text of each page of the PDF, in order."""
    document = pypdfium2.PdfDocument(content)
    try:
        texts = []
        for page in document:
            text_page = page.get_textpage()
            texts.append(text_page.get_text_range())
            text_page.close()
            page.close()
        return texts
    finally:
        document.close()


def page_image(content, number=0, scale=1.5):
    """Page `number` of the PDF as a PIL image (RGB)."""
    document = pypdfium2.PdfDocument(content)
    try:
        page = document[number]
        image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
        return image
    finally:
        document.close()


def dark_share(image, top, bottom):
    """The share of nearly black pixels in the band of rows [top, bottom) of the image."""
    band = image.crop((0, top, image.width, bottom)).convert("L")
    histogram = band.histogram()
    return sum(histogram[:40]) / max(sum(histogram), 1)
