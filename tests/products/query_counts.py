"""The exact number of queries of each page of products/, the same for 2 portions and for 200."""

SIGNED_IN = 4
HEADER = 1

QUERY_COUNTS = {
    # The item through the visibility rows (owner joined), its access-log row, the product; the
    # portions, their REL TO (one prefetch), and for a reader who is not the owner the shares
    # that reach its agency.
    "product-detail (owner)": SIGNED_IN + 3 + 2 + HEADER,
    "product-detail (viewer)": SIGNED_IN + 3 + 3 + HEADER,
}
