"""Widgets of the "Providers & settings" screen: the providers list, add/edit/remove, test.

Keys are never typed here: a provider names the environment variable (or ``st.secrets``
entry) that holds its key, and the screen only ever says "set" or "not set".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.providers.adapters import default_base_url
from lib.providers.config import ADAPTER_KINDS, DEFAULT_KEY_ENV
from lib.providers.presets import PRESETS
from lib.providers.service import (
    ENGINE_NAME,
    KINDS,
    ProviderConfig,
    base_url_of,
    capabilities,
    check_connection,
    key_status,
    make_default,
    providers,
    remove_provider,
    save_provider,
    the_default,
)
from lib.shell.messages import (
    md,
    plain,
    show_caption,
    show_error,
    show_success,
    show_warning,
    ui_secrets,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EDIT_KEY = "providers_editing"  # name of the provider being edited (None: adding)
REMOVE_KEY = "providers_removing"  # name waiting for the removal confirmation
FLASH_KEY = "providers_flash"
TEST_RESULT_KEY = "providers_test_result"
PRESET_KEY = "providers_preset"
NO_PRESET = "(none)"


def _flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        show_success(message)


def _can(config: ProviderConfig) -> str:
    caps = capabilities(config)
    parts = []
    if caps.can_train:
        parts.append("trains (" + ", ".join(caps.methods) + ")")
    if caps.logprobs:
        parts.append("logprobs")
    if caps.batches:
        parts.append("batches")
    if caps.pause_resume:
        parts.append("pause/resume")
    return ", ".join(parts)


def providers_table(
    engine: Engine, configs: list[ProviderConfig], actor: Actor | None
) -> pd.DataFrame:
    default = the_default(engine, actor=actor).name
    secrets = ui_secrets()
    return pd.DataFrame(
        [
            {
                "provider": c.name,
                "kind": c.kind_label,
                "address": base_url_of(c),
                "key variable": c.key_env or "—",
                "key": key_status(c, secrets=secrets),
                "default": "yes" if c.name == default else "",
                "can do": _can(c),
            }
            for c in configs
        ]
    )


def render_providers(engine: Engine, actor: Actor | None) -> None:
    """The list, then one panel per provider (test, make default, edit, remove)."""
    _flash()
    configs = providers(engine, actor=actor)
    st.dataframe(providers_table(engine, configs, actor), hide_index=True, width="stretch")
    names = [c.name for c in configs]
    chosen = st.selectbox("Provider", names, key="providers_selected")
    config = next(c for c in configs if c.name == chosen)
    cols = st.columns(4)
    if cols[0].button("Test connection", key="providers_test"):
        with st.spinner(f"Asking {config.name}…"):
            result = check_connection(config, secrets=ui_secrets(), actor=actor)
        st.session_state[TEST_RESULT_KEY] = (config.name, result.ok, result.message)
    if cols[1].button("Make default", key="providers_make_default"):
        try:
            make_default(engine, config.name, actor=actor)
        except UserError as exc:
            show_error(exc)
        else:
            st.session_state[FLASH_KEY] = f"{config.name} is now the default provider."
            st.rerun()
    editable = config.kind != "engine"
    if cols[2].button("Edit", key="providers_edit", disabled=not editable):
        st.session_state[EDIT_KEY] = config.name
    if cols[3].button("Remove", key="providers_remove", disabled=not editable):
        st.session_state[REMOVE_KEY] = config.name
    tested = st.session_state.get(TEST_RESULT_KEY)
    if tested and tested[0] == config.name:
        (st.success if tested[1] else st.error)(plain(tested[2]))
    if config.kind == "engine":
        show_caption(
            f"{ENGINE_NAME}: runs on this machine, needs no key and no internet; it trains "
            "small real models in seconds (see each model's description)."
        )
    _confirm_removal(engine, actor)


def _confirm_removal(engine: Engine, actor: Actor | None) -> None:
    name = st.session_state.get(REMOVE_KEY)
    if not name:
        return
    show_warning(
        f"Remove the provider {name}? Its jobs stay in the list; its key variable is not touched."
    )
    cols = st.columns(2)
    if cols[0].button("Yes, remove it", key="providers_remove_yes", type="primary"):
        try:
            remove_provider(engine, name, actor=actor)
        except UserError as exc:
            show_error(exc)
            return
        st.session_state.pop(REMOVE_KEY, None)
        st.session_state[FLASH_KEY] = f"Removed {name}."
        st.rerun()
    if cols[1].button("Cancel", key="providers_remove_no"):
        st.session_state.pop(REMOVE_KEY, None)
        st.rerun()


def _apply_preset() -> None:
    """Choosing a preset picks its kind too (the kind box keeps its own state otherwise)."""
    chosen = PRESETS.get(st.session_state.get(PRESET_KEY, NO_PRESET))
    if chosen is not None:
        st.session_state["providers_kind_None"] = chosen.kind


def render_form(engine: Engine, actor: Actor | None) -> None:
    """Add a provider (optionally from a preset), or edit the one chosen with "Edit"."""
    editing = st.session_state.get(EDIT_KEY)
    current: ProviderConfig | None = None
    if editing:
        current = next((c for c in providers(engine, actor=actor) if c.name == editing), None)
    st.subheader(f"Edit {md(editing)}" if current else "Add a provider")
    template: ProviderConfig | None = current
    preset_name = NO_PRESET
    if current is None:
        preset_name = st.selectbox(
            "Start from a preset",
            [NO_PRESET, *PRESETS],
            key=PRESET_KEY,
            on_change=_apply_preset,
            help="Fills in the base URL and the name of the key's variable; nothing secret.",
        )
        template = PRESETS.get(preset_name)
    kinds = [k for k in KINDS if k != "engine"]
    kind = st.selectbox(
        "Kind",
        kinds,
        index=kinds.index(template.kind) if template else 0,
        format_func=lambda k: KINDS[k],
        key=f"providers_kind_{editing}",
    )
    if template is not None and template.kind != kind:
        template = current  # a kind chosen by hand drops the preset's values
    form_key = f"providers_form_{editing}_{kind}_{preset_name}"
    with st.form(form_key, clear_on_submit=not current):
        name = st.text_input("Name", value=template.name if template else KINDS[kind])
        base_url = endpoint = api_version = account = None
        deployments = ""
        can_train = False
        if kind in ("openai", "compatible", *ADAPTER_KINDS):
            if kind == "openai":
                hint = "optional: a proxy or regional address; empty = https://api.openai.com/v1"
            elif kind == "compatible":
                hint = "e.g. http://127.0.0.1:8000/v1 (vLLM), http://127.0.0.1:11434/v1 (Ollama)"
            else:
                hint = f"optional; empty = {default_base_url(kind)}"
            base_url = st.text_input(
                "Base URL", value=(template.base_url or "") if template else "", help=hint
            )
        if kind == "fireworks":
            account = st.text_input(
                "Account id", value=(template.account or "") if template else "",
                help="The <id> in accounts/<id>/… of your Fireworks account.",
            )  # fmt: skip
        if kind == "azure":
            endpoint = st.text_input(
                "Endpoint", value=(current.endpoint or "") if current else "",
                placeholder="https://<resource>.openai.azure.com",
            )  # fmt: skip
            api_version = st.text_input(
                "API version", value=(current.api_version or "") if current else "",
                placeholder="2025-04-01-preview",
            )  # fmt: skip
            deployments = st.text_input(
                "Deployments (comma-separated names used for chat and evaluation)",
                value=", ".join(current.deployments) if current else "",
            )
        key_env = st.text_input(
            "Name of the environment variable or secret holding the key",
            value=(template.key_env or "") if template else "",
            placeholder=DEFAULT_KEY_ENV.get(kind, "empty if the server needs no key"),
            help="Only the NAME is stored. Set the variable before starting Tunelab, or add it "
            "to .streamlit/secrets.toml. Left empty, no key is sent — except OPENAI_API_KEY to "
            "OpenAI's own API and AZURE_OPENAI_API_KEY to the Azure endpoint: a proxy or "
            "another server behind an OpenAI provider gets a key only when you name it here.",
        )
        if kind == "compatible":
            can_train = st.checkbox(
                "This server implements OpenAI's fine-tuning API",
                value=template.can_train if template else False,
            )
        submitted = st.form_submit_button("Save provider", type="primary")
    if submitted:
        config = ProviderConfig(
            name=name,
            kind=kind,  # type: ignore[arg-type]
            base_url=base_url,
            endpoint=endpoint,
            api_version=api_version,
            deployments=tuple(d.strip() for d in (deployments or "").split(",") if d.strip()),
            key_env=key_env,
            can_train=can_train,
            account=account,
        )
        try:
            saved = save_provider(
                engine, config, replaces=current.name if current else None, actor=actor
            )
        except UserError as exc:
            show_error(exc)
            return
        st.session_state.pop(EDIT_KEY, None)
        st.session_state[FLASH_KEY] = (
            f"Saved {saved.name}. Its key is {key_status(saved, secrets=ui_secrets())}."
        )
        st.rerun()
    if current and st.button("Stop editing", key="providers_stop_editing"):
        st.session_state.pop(EDIT_KEY, None)
        st.rerun()


def render_settings(engine: Engine, actor: Actor | None) -> None:
    """The whole screen: providers, the provider form, then prices and context limits."""
    from lib.providers.ui.engine_status import render_engine_status
    from lib.shell.settings import context_limits_editor, price_editor

    st.caption(
        "Tunelab reaches every provider through the same OpenAI client. Keys are read from "
        "environment variables or .streamlit/secrets.toml and are never stored or shown."
    )
    render_providers(engine, actor)
    render_form(engine, actor)
    render_engine_status(actor)
    st.subheader("Other settings")
    price_editor(engine, actor)
    context_limits_editor(engine, actor)
