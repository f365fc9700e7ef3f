"""Keyboard shortcuts that never drop what was just typed.

Streamlit's button shortcuts (``st.button(..., shortcut="Alt+1")``) fire while a text box has
focus when a modifier is held, but a text box only hands its value to the app when it loses
focus (or on Ctrl+Enter): pressing Alt+1 right after typing a comment approved the example with
the old comment and the typing was gone. Here a key listener, installed once in the page's own
document, takes the focus away from the text box first whenever a modifier shortcut is pressed
in it; the box then commits its value, and the button's click reaches the app in the same rerun
request as the new text (Streamlit sends the full widget state with every trigger).

Plain keys (the label picker's 1–9) never fire inside a text box (Streamlit's own filter), so
typing digits stays typing.
"""

from __future__ import annotations

import streamlit as st

# Runs in the component's iframe (same origin as the app); the listener is built with the
# parent window's Function so that it belongs to the page and survives the iframe's removal.
_SCRIPT = """
<script>
(function () {
  const doc = window.parent.document;
  if (window.parent.__tunelabCommitBeforeShortcut) { return; }
  const listener = new window.parent.Function("event", `
    if (!(event.altKey || event.ctrlKey || event.metaKey)) { return; }
    if (["Alt", "Control", "Meta", "Shift"].includes(event.key)) { return; }
    const el = event.target;
    if (!el || !el.tagName) { return; }
    const tag = el.tagName.toUpperCase();
    if (tag === "TEXTAREA" || (tag === "INPUT" && (el.type === "text" || el.type === ""))) {
      el.blur();
    }
  `);
  doc.addEventListener("keydown", listener, true);
  window.parent.__tunelabCommitBeforeShortcut = true;
})();
</script>
"""


def commit_text_before_shortcuts() -> None:
    """Install the listener (once per browser tab; harmless on every rerun)."""
    st.iframe(_SCRIPT, height=1)  # a constant script of ours, never user text
