"""The case page printed by Chromium (its print stylesheet) and exported as a PDF from its
button: each page of both carries the case's marking, and the print has none of the portal
around the case."""

from cases import services
from tests.browser.conftest import ARTIFACTS
from tests.pdf import dark_share, page_image, pages_text


def test_a_printed_case_page_and_its_export_carry_the_marking_on_every_page(
        portal, open_page, screenshot, trafficking_case, analyst_fl):
    for n in range(45):
        services.annotation_add(by=analyst_fl, body=f"Sighting number {n} near Shreveport",
                                case=trafficking_case)
    page = open_page(analyst_fl)
    page.goto(f"{portal}/cases/{trafficking_case.pk}/")
    screenshot(page, "case")
    printed = page.pdf(format="Letter", print_background=True, prefer_css_page_size=True)
    texts = pages_text(printed)
    assert len(texts) > 1
    for number, text in enumerate(texts, 1):
        flat = " ".join(text.split())
        assert flat.count("TLP:AMBER · LES") >= 2, (number, flat[:200])
        assert f"Page {number} of {len(texts)}" in flat
        assert "Log out" not in flat and "Export PDF" not in flat
    folder = ARTIFACTS / "test_a_printed_case_page_and_its_export_carry_the_marking_on_every_page"
    image = page_image(printed)
    image.save(folder / "printed-page-1.png")
    assert dark_share(image, 0, int(image.height * 0.05)) > 0.1

    with page.expect_download() as download:
        page.click("text=Export PDF")
    exported = download.value.path().read_bytes()
    assert download.value.suggested_filename == f"case-{trafficking_case.pk}.pdf"
    texts = pages_text(exported)
    assert all(" ".join(text.split()).count("TLP:AMBER · LES") >= 2 for text in texts)
    page_image(exported).save(folder / "exported-page-1.png")
