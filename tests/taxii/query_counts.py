"""Query counts of the TAXII server's pages (tests/taxii), the same for 10 and 200 items."""

QUERIES = {
    # The key (with its agency and service account); the agencies as identities (the page's
    # room for them); the key's visibility groups; the page's items picked from the permission
    # rows and read with their products; their e-mail subjects; their cases' states; the
    # products' portions and their REL TO (the owner's key: no share to read for the tearline);
    # the access-log row of the page.
    "taxii objects": 9,
    # A recipient's page of products: the same but the states (no case on the page), and the
    # shares through which it sees the products (which portions its tearline holds).
    "taxii products (recipient)": 9,
    # A case's collection (the key with its agency, its visibility groups, the case by the id
    # its collection id carries); one object by its id, and a page matching it (the item by the
    # id it carries, then the page's reads as above, less the states of the page's cases).
    "taxii case collection, object by id, match[id]": [3, 8, 8],
}
