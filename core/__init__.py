"""What every room of the portal shares and no room owns: handling markings, states, the keyset
cursor codec, database lookups, the domain's neutral exceptions and the REST API's plumbing.

core imports no domain app (agencies, audit, cases, sharing, notifications); the import-linter
contracts in pyproject.toml hold it to that.
"""
