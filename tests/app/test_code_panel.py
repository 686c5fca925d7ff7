"""The "show the code" switch: closed, nothing of the code is drawn (nor written); open, the
PyTorch and Keras programs of the page's own numbers are there, on both pages."""

import pytest
from app_support import no_exception, run_app

PAGES = [("views/follow.py", "show_code", {}), ("views/lab.py", "lab_code", {})]


@pytest.mark.parametrize("path, key, query", PAGES, ids=["follow", "lab"])
def test_the_code_appears_when_the_switch_is_on(path, key, query):
    at = run_app(**query)
    if path != "views/follow.py":
        at.switch_page(path).run()
    assert not at.toggle(key=key).value
    assert not [c for c in at.code if "import torch" in c.value]
    at.toggle(key=key).set_value(True).run()
    no_exception(at)
    programs = [c.value for c in at.code]
    assert any("import torch" in program for program in programs)
    assert any("keras" in program for program in programs)
    at.toggle(key=key).set_value(False).run()
    assert not [c for c in at.code if "import torch" in c.value]
