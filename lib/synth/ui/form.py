"""The form of the Synthetic data screen: templates, values, model and options → a SynthSpec.

Pre-filled with the seed book's marketing example so that a demo is one click. Values typed
for a placeholder live in session state under ``synth_values_<name>``; values can also be
taken from a field of an existing dataset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.core.tokens import is_fine_tuned
from lib.providers.service import ProviderConfig, provider_models, providers, the_default
from lib.shell.messages import show_error, show_warning
from lib.synth import demo
from lib.synth.plan import (
    DEFAULT_NEAR_DUPLICATE,
    MAX_OUTPUT_TOKENS,
    MAX_SAMPLES,
    OUTPUT_FORMATS,
    SynthSpec,
)
from lib.synth.template import parse_template, parse_values

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

VALUES_PREFIX = "synth_values_"
ENGINE_MODEL = "tunelab-base"
ENGINE_NOTE = (
    "The built-in engine is not a language model: it answers with word pieces from a small "
    "vocabulary and from the prompt, so the whole flow (requests, progress, the new dataset, "
    "review) works offline, but the generated text is not real marketing copy. Real synthetic "
    "text needs an LLM provider (OpenAI, Azure OpenAI or an OpenAI-compatible server): add one "
    "on the Providers & settings screen."
)


def prefill() -> None:
    """Put the marketing example into the form once per session."""
    if st.session_state.get("synth_prefilled"):
        return
    st.session_state["synth_prefilled"] = True
    st.session_state["synth_generation"] = demo.GENERATION_TEMPLATE
    st.session_state["synth_training"] = demo.TRAINING_TEMPLATE
    for name, values in demo.values().items():
        st.session_state[VALUES_PREFIX + name] = "\n".join(values)
    st.session_state["synth_samples"] = demo.SAMPLES
    st.session_state["synth_temperature"] = demo.TEMPERATURE
    st.session_state["synth_max_tokens"] = demo.MAX_TOKENS
    st.session_state["synth_name"] = demo.DATASET_NAME


def placeholders() -> list[str]:
    """Placeholders of both templates (parse errors are shown where the plan is made)."""
    names: dict[str, None] = {}
    for key, label in (("synth_generation", "generation"), ("synth_training", "training")):
        try:
            template = parse_template(st.session_state.get(key, ""), label=label)
        except UserError:
            continue
        for name in template.placeholders:
            names.setdefault(name, None)
    return list(names)


def values_inputs(used: list[str]) -> dict[str, list[str]]:
    """A text area per placeholder (and per leftover list no template uses any more)."""
    leftover = [
        key[len(VALUES_PREFIX) :]
        for key, value in st.session_state.items()
        if isinstance(key, str) and key.startswith(VALUES_PREFIX) and value
        and key[len(VALUES_PREFIX) :] not in used
    ]  # fmt: skip
    names = [*used, *sorted(leftover)]
    if not names:
        st.caption("The templates have no {placeholders}: every request sends the same prompt.")
        return {}
    values: dict[str, list[str]] = {}
    columns = st.columns(min(len(names), 3))
    for index, name in enumerate(names):
        label = f"Values for {{{name}}} (one per line)"
        if name not in used:
            label += " · not used by the templates"
        text = columns[index % len(columns)].text_area(label, key=VALUES_PREFIX + name, height=160)
        try:
            values[name] = parse_values(text, name=name)
        except UserError as exc:
            show_error(str(exc))
            values[name] = []
    return values


def _fill_from_dataset(engine: Engine, actor: Actor | None) -> None:
    """Button callback: reads the current choices (not the ones of the previous rerun)."""
    from lib.synth.service import field_values

    dataset_id = int(st.session_state.get("synth_fill_dataset") or 0)
    field = str(st.session_state.get("synth_fill_field"))
    name = str(st.session_state.get("synth_fill_placeholder"))
    try:
        found = field_values(engine, dataset_id, field=field, actor=actor)
    except UserError as exc:
        st.session_state["synth_fill_message"] = ("error", str(exc))
        return
    st.session_state[VALUES_PREFIX + name] = "\n".join(found)
    st.session_state["synth_fill_message"] = (
        "success", f"{len(found):,} values of {field} put into {{{name}}}."
    )  # fmt: skip


def values_from_dataset(engine: Engine, used: list[str], actor: Actor | None) -> None:
    """Fill a placeholder's values with the distinct values of a dataset's field."""
    from lib.shell.widgets import cached_datasets, dataset_label
    from lib.synth.service import field_names

    with st.expander("Take values from a dataset column", expanded=False):
        if not used:
            st.caption("Add a {placeholder} to a template first.")
            return
        infos = {info.id: info for info in cached_datasets(engine, actor)}
        if not infos:
            st.caption("There are no datasets yet.")
            return
        c1, c2, c3 = st.columns(3)
        dataset_id = c1.selectbox(
            "Dataset", list(infos), format_func=lambda i: dataset_label(infos[i]), key="synth_fill_dataset"
        )  # fmt: skip
        try:
            fields = field_names(engine, int(dataset_id), actor=actor)
        except UserError as exc:
            show_error(str(exc))
            return
        # The callback reads the field and placeholder from session state.
        c2.selectbox("Field (its distinct values)", fields, key="synth_fill_field")
        c3.selectbox("Placeholder", used, key="synth_fill_placeholder")
        st.button(
            "Use these values", key="synth_fill", on_click=_fill_from_dataset, args=(engine, actor)
        )
        message = st.session_state.pop("synth_fill_message", None)
        if message:
            (st.error if message[0] == "error" else st.success)(message[1])


@st.cache_data(ttl=60, show_spinner="Listing models…")
def _models(name: str, _config: ProviderConfig, actor: Actor | None) -> list[str]:
    """Model ids of a provider: base models first, fine-tuned ones (``ft:…``) after."""
    from lib.shell.messages import ui_secrets

    ids = [m.id for m in provider_models(_config, secrets=ui_secrets(), actor=actor)]
    return sorted(ids, key=is_fine_tuned)


def provider_and_model(engine: Engine, actor: Actor | None) -> tuple[ProviderConfig, str]:
    """The provider (by name, from the configured ones) and the generating model."""
    configs = {p.name: p for p in providers(engine, actor=actor)}
    names = list(configs)
    default = the_default(engine, actor=actor).name
    c1, c2 = st.columns(2)
    name = c1.selectbox(
        "Provider", names, index=names.index(default) if default in names else 0, key="synth_provider"
    )  # fmt: skip
    config = configs[name]
    try:
        models = _models(name, config, actor)
    except UserError as exc:
        show_error(str(exc))
        models = []
    if config.kind == "engine" and ENGINE_MODEL in models:
        models.remove(ENGINE_MODEL)
        models.insert(0, ENGINE_MODEL)
    other = "Other model id…"
    choice = c2.selectbox("Model", [*models, other], key=f"synth_model_{name}")
    model = choice
    if choice == other:
        model = c2.text_input("Model id (e.g. a deployment name)", key=f"synth_model_id_{name}")
    if config.kind == "engine":
        show_warning(ENGINE_NOTE)
    return config, (model or "").strip()


def options() -> dict[str, Any]:
    """Samples, temperature, max tokens, system messages, output format, name and advanced."""
    c1, c2, c3 = st.columns(3)
    samples = c1.number_input("Samples per combination", 1, MAX_SAMPLES, key="synth_samples")
    temperature = c2.slider("Temperature", 0.0, 2.0, step=0.05, key="synth_temperature")
    max_tokens = c3.number_input(
        "Max tokens per answer", 1, MAX_OUTPUT_TOKENS, key="synth_max_tokens"
    )
    system = st.text_area(
        "System message sent with each generation request (optional)", key="synth_system", height=80
    )
    c4, c5 = st.columns(2)
    output = c4.radio(
        "The new dataset's format", list(OUTPUT_FORMATS), format_func=OUTPUT_FORMATS.get,
        horizontal=True, key="synth_output",
    )  # fmt: skip
    name = c5.text_input("Name of the new dataset", key="synth_name")
    training_system = ""
    if output == "chat":
        training_system = st.text_area(
            "System message of the new chat examples (optional)", key="synth_training_system", height=80
        )  # fmt: skip
    with st.expander("Advanced", expanded=False):
        a1, a2, a3 = st.columns(3)
        seed = a1.number_input(
            "Seed (change it for a fresh set of samples)", 0, 2**31 - 1, 0, key="synth_seed"
        )
        near = a2.slider(
            "Flag near-duplicates from similarity", 0.3, 1.0, DEFAULT_NEAR_DUPLICATE, 0.01, key="synth_near"
        )  # fmt: skip
        concurrency = a3.slider("Requests at the same time", 1, 32, 8, key="synth_concurrency")
    return {
        "samples": int(samples), "temperature": float(temperature), "max_tokens": int(max_tokens),
        "system": system.strip(), "training_system": training_system.strip(), "output": output,
        "dataset_name": name, "seed": int(seed), "near_duplicate": float(near),
        "concurrency": int(concurrency),
    }  # fmt: skip


def read_spec(engine: Engine, actor: Actor | None) -> tuple[SynthSpec, ProviderConfig, int]:
    """The whole form as a specification, its provider and the chosen concurrency."""
    prefill()
    st.subheader("Templates")
    st.text_area(
        "Generation prompt (sent to the model; {placeholder}s are filled from the values, "
        "{{ and }} are literal braces)",
        key="synth_generation", height=220,
    )  # fmt: skip
    st.text_input(
        "Training prompt (the new examples' prompt; the generated text becomes the answer)",
        key="synth_training",
    )
    st.subheader("Values")
    used = placeholders()
    values = values_inputs(used)
    values_from_dataset(engine, used, actor)
    st.subheader("Model and options")
    config, model = provider_and_model(engine, actor)
    opts = options()
    concurrency = opts.pop("concurrency")
    spec = SynthSpec(
        generation_template=st.session_state.get("synth_generation", ""),
        training_template=st.session_state.get("synth_training", ""),
        values=values,
        provider=config.name,
        model=model,
        **opts,
    )
    return spec, config, concurrency
