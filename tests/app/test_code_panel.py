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


TEXT_PARTS = {  # the Text & embedding page's parts (Korean needs Korean text: lang=ko)
    "tokenizer": {},
    "korean": {"lang": "ko"},
    "padding": {"seqs": "1 2 3; 3 4 5 6; 7 8", "maxlen": "3"},
    "onehot": {"d": "8"},
    "learned": {"d": "8"},
    "similarity": {"text": "king queen banana"},
}


@pytest.mark.keras
@pytest.mark.parametrize("part", list(TEXT_PARTS))
def test_the_text_pages_programs_run_as_shown(keras, part, monkeypatch, tmp_path, capsys):
    """Both programs the page shows for its current settings run as they stand."""
    at = run_app("views/text.py", part=part, **TEXT_PARTS[part])
    at.toggle(key="text_code").set_value(True).run()
    no_exception(at)
    programs = [c.value for c in at.code]
    assert len(programs) == 2 and "import torch" in programs[0] and "keras" in programs[1]
    monkeypatch.chdir(tmp_path)  # nothing a program writes lands in the repository
    for program in programs:
        exec(compile(program, f"<{part} program>", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.strip()
