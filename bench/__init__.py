"""Benchmarks: `python -m bench` runs every module in this folder that has a main();
`python -m bench.<name>` runs one. They talk only to the local PostgreSQL server named by
TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) and create and drop
their own scratch databases."""
