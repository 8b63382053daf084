"""ui.section: a page's section switch kept in the URL (?tab=), and the shell check letting a
fragment's own rerun through."""
from __future__ import annotations

import types

import pytest
from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from lib.ui import shell as ui
    with ui.shell():
        chosen = ui.section("demo", {"one": "channels.tab.channels", "two": "channels.tab.campaigns",
                                     "three": "channels.tab.ab"}, {"two": "campaign"})
        st.write(f"chosen={chosen}")


def _chosen(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("chosen=")).split("=", 1)[1]


def test_defaults_to_the_first_section_and_keeps_the_choice_in_the_url():
    at = AppTest.from_function(_script).run()
    assert not at.exception, [e.message for e in at.exception]
    switch = at.segmented_control(key="demo_section")
    assert _chosen(at) == "one" and "tab" not in at.query_params
    assert switch.options == ["Channels", "Campaigns", "A/B tests"]  # (the icon goes with the option, not its text)
    switch.set_value("three").run()
    assert _chosen(at) == "three" and at.query_params["tab"] in ("three", ["three"])
    at.segmented_control(key="demo_section").set_value("one").run()
    assert _chosen(at) == "one" and "tab" not in at.query_params  # the first section needs no parameter


@pytest.mark.parametrize("asked,opened", [("two", "two"), ("nonsense", "one"), ("", "one")])
def test_a_link_opens_its_section(asked, opened):
    at = AppTest.from_function(_script)
    at.query_params["tab"] = asked
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert _chosen(at) == opened


def test_a_fragment_rerun_does_not_rerun_the_app(monkeypatch):
    """A fragment's own rerun runs without app.py's shell; the page check must not treat it as a
    page started on its own (that reruns or runs app.py)."""
    from streamlit.runtime import scriptrunner

    from lib.ui import shell as ui
    ctx = types.SimpleNamespace(fragment_ids_this_run=["f1"])
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda suppress_warning=False: ctx)
    monkeypatch.setattr(ui.st, "rerun", lambda: pytest.fail("the shell check reran the app"))
    monkeypatch.setattr(ui.st, "stop", lambda: pytest.fail("the shell check stopped the fragment"))
    import runpy
    monkeypatch.setattr(runpy, "run_path", lambda *a, **k: pytest.fail("the shell check ran app.py"))
    ui._require_shell()  # returns: nothing rerun, nothing run
    ctx.fragment_ids_this_run = None
    with pytest.raises(pytest.fail.Exception):
        ui._require_shell()  # a bare page run (no fragment) still goes through app.py
