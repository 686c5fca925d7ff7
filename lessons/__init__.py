"""Lesson packages: one per page (DESIGN.md §3)."""
