"""Gunma elderly-care plan, Chapter 2: progress dashboard (data, queries, progress, pages)."""
