"""The normalization and dropout lab (`/lab`): one module a section, `page.lab_page()` draws it."""
