"""The exact number of queries of each page of products/, the same for 2 portions and for 200."""

SIGNED_IN = 4
HEADER = 1

QUERY_COUNTS = {
    # The item through the visibility rows (owner joined), its access-log row, the product; the
    # portions, their REL TO (one prefetch), and for a reader who is not the owner the shares
    # that reach its agency.
    "product-detail (owner)": SIGNED_IN + 3 + 2 + HEADER,
    "product-detail (viewer)": SIGNED_IN + 3 + 3 + HEADER,
    # A product as a PDF (no page around it): the item (owner joined), the product; the
    # portions and their REL TO, and for a reader who is not the owner the shares that reach its
    # agency (the tearline, as the page reads it); the record in its savepoint: the Export row
    # and the access-log row.
    "product-export (owner)": SIGNED_IN + 2 + 2 + 2 + 2,
    "product-export (viewer)": SIGNED_IN + 2 + 3 + 2 + 2,
}
