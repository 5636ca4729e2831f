"""Benchmarks: national-scale data, query, page, browser, concurrency and publish figures (`make bench`)."""
