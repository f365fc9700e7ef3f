"""Tunelab's built-in engine: a local OpenAI-compatible server that really trains small models.

It speaks the part of the OpenAI HTTP API that Tunelab uses (files, fine-tuning jobs, models,
chat and legacy completions with logprobs, batches), so the app and its tests reach it with the
same ``openai`` SDK calls they make to OpenAI or Azure OpenAI. Start it with
:func:`lib.engine.local.start_engine` (tests) or :func:`lib.engine.local.ensure_engine` (app),
or ``python -m lib engine`` on the command line.
"""
