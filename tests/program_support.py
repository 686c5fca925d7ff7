"""Running a 'show the code' program as a student would: its namespace and what it printed."""

import contextlib
import io


def run(program: str) -> tuple[dict, str]:
    """exec() the program in a fresh namespace; (that namespace, its standard output)."""
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(program, namespace)
    return namespace, out.getvalue()
