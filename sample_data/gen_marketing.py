"""Synthetic one-sentence marketing lines for a business described by sector, city and size.

Why it is built this way: this is the demo's free-text generation set (no fixed labels). Every
prompt ``"<sector>, <city>, <size>"`` gets three different completions, so that the app can show
several valid answers per prompt, and each completion names the city and says something that
fits the sector and the size. The prompts carry no separator and the completions no stop
sequence on purpose: the checks suggest both, as the legacy prepare step did.
"""

from __future__ import annotations

import random

CITIES = ["Lisbon", "Toronto", "Melbourne"]
SIZES = ["small", "medium", "large"]

# Sector -> (what the business is called, what it offers, who it serves)
# fmt: off
SECTORS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "Bakery": (
        ["bakery", "bakehouse"],
        ["sourdough baked before sunrise", "fresh croissants every morning",
         "celebration cakes made to order", "warm cinnamon buns"],
        ["early risers", "cake lovers", "the whole neighbourhood"],
    ),
    "Dental clinic": (
        ["dental clinic", "dental practice"],
        ["gentle check-ups", "same-week appointments", "teeth whitening that looks natural",
         "calm, unhurried cleanings"],
        ["nervous patients", "busy families", "kids and grown-ups alike"],
    ),
    "Fitness studio": (
        ["fitness studio", "gym"],
        ["small-group strength classes", "sunrise HIIT sessions", "coaching that fits your week",
         "yoga and mobility classes"],
        ["beginners", "people who hate gyms", "anyone starting again"],
    ),
    "Accounting firm": (
        ["accounting firm", "accountancy practice"],
        ["stress-free tax returns", "bookkeeping you never have to think about",
         "clear monthly reports", "advice in plain language"],
        ["freelancers", "growing companies", "sole traders"],
    ),
    "Bike shop": (
        ["bike shop", "cycle workshop"],
        ["same-day repairs", "expert bike fitting", "e-bikes to try before you buy",
         "servicing that keeps you rolling"],
        ["commuters", "weekend riders", "families on two wheels"],
    ),
    "Florist": (
        ["florist", "flower studio"],
        ["seasonal bouquets", "wedding flowers", "same-day delivery",
         "arrangements with locally grown stems"],
        ["last-minute romantics", "couples planning a wedding", "offices that need a lift"],
    ),
}
# fmt: on

# Size -> words that say it without the word always being "small"/"medium"/"large".
SIZE_WORDS: dict[str, list[str]] = {
    "small": ["small", "family-run", "independent", "cosy"],
    "medium": ["mid-sized", "growing", "well-established", "medium-sized"],
    "large": ["large", "multi-location", "city-wide", "big"],
}
SIZE_TEAMS: dict[str, list[str]] = {
    "small": [
        "a team of four",
        "a handful of people who know you by name",
        "a tiny team",
    ],
    "medium": ["a team of twenty", "three friendly locations", "a growing crew"],
    "large": [
        "over a hundred staff",
        "branches across the city",
        "a team of 150 specialists",
    ],
}

TEMPLATES = [
    "Discover {city}'s favourite {size_word} {noun}: {offer} for {audience}.",
    "At our {size_word} {noun} in {city}, we're proud of {offer}.",
    "For {offer} in {city}, look no further than our {size_word} {noun}.",
    "{Size_word} {noun}, big heart: {offer} for {audience} across {city}.",
    "With {team}, our {noun} brings {offer} to {audience} in {city}.",
    "{city} deserves {offer}, and our {size_word} {noun} delivers every day.",
    "From {team}, {offer} for {audience}: visit our {noun} in {city} today.",
    "Meet the {size_word} {noun} in {city} that {audience} keep coming back to for {offer}.",
    "Ask anyone in {city}: our {size_word} {noun} means {offer}.",
    "Proudly {size_word} and rooted in {city}, our {noun} offers {offer}.",
]


def _line(rng: random.Random, template: str, sector: str, city: str, size: str) -> str:
    nouns, offers, audiences = SECTORS[sector]
    size_word = rng.choice(SIZE_WORDS[size])
    if template.startswith("{Size_word}") and size == "large":
        template = template.replace(", big heart", ", personal touch")
    text = template.format(
        city=city,
        noun=rng.choice(nouns),
        offer=rng.choice(offers),
        audience=rng.choice(audiences),
        size_word=size_word,
        Size_word=size_word[0].upper() + size_word[1:],
        team=rng.choice(SIZE_TEAMS[size]),
    )
    return text[0].upper() + text[1:]


def build(*, seed: int = 20261123, per_prompt: int = 3) -> list[dict[str, str]]:
    """Return ``per_prompt`` distinct completions for every sector × city × size prompt."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for sector in SECTORS:
        for city in CITIES:
            for size in SIZES:
                templates = rng.sample(TEMPLATES, per_prompt)
                for template in templates:
                    line = _line(rng, template, sector, city, size)
                    rows.append(
                        {
                            "prompt": f"{sector}, {city}, {size}",
                            "completion": f" {line}",
                        }
                    )
    return rows
