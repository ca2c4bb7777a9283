"""Demo data and benchmarks: `seed_demo`, `bench_api`, `bench_notifications`, `bench_accesslog`,
`bench_accesslog_scale`.

Not part of production: settings install this app only with DEBUG=1 (what `make run` uses) or
DEVTOOLS=1 (the benchmarks' make targets). No production app imports it (an import-linter
contract in pyproject.toml says so).
"""
