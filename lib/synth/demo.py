"""The seed book's marketing example, so that a demo of the screen is one click.

Six sectors × three cities × three sizes × three samples = 162 requests, a detailed
generation prompt and the short training prompt ``{sector}, {city}, {size}``: the recipe of
the book's email-marketing fine-tuning set (the prompts of ``out_openai_completion.csv``).
"""

from __future__ import annotations

SECTORS = (
    "Grocery Stores",
    "Restaurants",
    "Fast Food Restaurants",
    "Pharmacies",
    "Service Stations (Fuel)",
    "Electronics Stores",
)
CITIES = ("Brussels", "Paris", "Berlin")
SIZES = ("small", "medium", "large")
SAMPLES = 3
TEMPERATURE = 1.0
MAX_TOKENS = 120

GENERATION_TEMPLATE = """\
Role: you are a seasoned copywriter with years of direct-marketing experience. You write \
clearly and creatively, adapt your tone to each audience, and know what makes a store owner \
read a message to the end.
Context: write a direct-marketing message of at most two sentences that sells a new \
e-commerce payment service to stores.
The stores you write to have these characteristics:
- sector of activity: {sector}
- city where the stores are: {city}
- size of the stores: {size}
Task: write the message. Make sure it fits both the product and the characteristics of the \
stores above."""

TRAINING_TEMPLATE = "{sector}, {city}, {size}"
DATASET_NAME = "Marketing messages (synthetic)"


def values() -> dict[str, list[str]]:
    return {"sector": list(SECTORS), "city": list(CITIES), "size": list(SIZES)}
