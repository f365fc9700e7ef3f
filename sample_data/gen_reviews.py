"""Synthetic product reviews with a 1-5 star rating (legacy prompt/completion form).

Why it is built this way: the demo has to show a classifier that learns something but is far
from perfect, as with real reviews. Each review has a star rating drawn from a J-shaped
distribution (many 5s and 4s, fewer 2s). Its sentences are opinions whose tone is usually the
rating's own, often a neighbouring one and now and then anything; a few reviews carry a rating
that contradicts their text (a mis-click). Neutral sentences, typos, quotes and a little
HTML-looking markup make the text look like scraped reviews. A TF-IDF + logistic regression
model lands around two thirds exact accuracy, and most of its errors are off by one star.

Like scraped data, the file also holds what the checks are there to find (``_add_faults``): a
few exact duplicates, near-duplicates that differ only in case or spacing, one review posted
twice with two ratings, ratings written without their leading space, and HTML entities.
"""

from __future__ import annotations

import random

SEPARATOR = "\n\n###\n\n"
STAR_WEIGHTS = {1: 12, 2: 8, 3: 13, 4: 27, 5: 40}

# (product, aspects that make sense for it)
PRODUCTS: list[tuple[str, list[str]]] = [
    (
        "wireless earbuds",
        ["sound", "battery life", "fit", "charging case", "Bluetooth pairing"],
    ),
    (
        "over-ear headphones",
        ["sound", "noise cancelling", "ear cushions", "headband", "battery"],
    ),
    ("blender", ["motor", "jug", "lid", "blades", "noise level"]),
    ("coffee maker", ["carafe", "brew time", "water tank", "taste", "timer"]),
    (
        "air fryer",
        ["basket", "temperature control", "capacity", "non-stick coating", "timer"],
    ),
    (
        "electric kettle",
        ["boil time", "lid", "handle", "auto shut-off", "limescale filter"],
    ),
    ("hiking backpack", ["straps", "zippers", "rain cover", "pockets", "hip belt"]),
    ("running shoes", ["cushioning", "sizing", "grip", "laces", "breathability"]),
    (
        "desk lamp",
        ["brightness", "colour temperature", "arm", "touch controls", "base"],
    ),
    ("phone case", ["grip", "button covers", "edges", "camera cutout", "colour"]),
    (
        "office chair",
        ["armrests", "lumbar support", "wheels", "seat cushion", "assembly"],
    ),
    ("yoga mat", ["grip", "thickness", "smell", "carry strap", "surface"]),
    ("robot vacuum", ["suction", "app", "battery", "mapping", "dust bin"]),
    (
        "electric toothbrush",
        ["battery", "brush heads", "timer", "charging stand", "modes"],
    ),
    ("water bottle", ["lid", "insulation", "seal", "finish", "straw"]),
    ("board game", ["rules", "components", "box", "replay value", "artwork"]),
    ("smartwatch", ["screen", "battery life", "strap", "heart-rate sensor", "app"]),
    (
        "cast-iron skillet",
        ["seasoning", "handle", "weight", "heat retention", "finish"],
    ),
    ("kids' scooter", ["wheels", "brake", "handlebar", "folding mechanism", "deck"]),
    (
        "mechanical keyboard",
        ["switches", "keycaps", "backlight", "cable", "stabilisers"],
    ),
    ("winter jacket", ["zip", "hood", "lining", "sizing", "pockets"]),
    ("dog bed", ["cushion", "cover", "stitching", "size", "washability"]),
    ("garden hose", ["connectors", "length", "nozzle", "kinks", "reel"]),
    (
        "bluetooth speaker",
        ["bass", "volume", "battery life", "waterproofing", "pairing"],
    ),
]

TITLES: dict[int, list[str]] = {
    1: [
        "Waste of money",
        "Do not buy",
        "Broke after two days",
        "Terrible",
        "Avoid",
        "Total junk",
        "Returned it",
        "Awful quality",
        "Useless",
        "Worst purchase this year",
        "Dead on arrival",
        "Very poor",
    ],
    2: [
        "Disappointed",
        "Not great",
        "Expected more",
        "Meh, not worth it",
        "Below average",
        "Cheaply made",
        "Not as described",
        "Wouldn't buy again",
        "Underwhelming",
        "Too many problems",
    ],
    3: [
        "It's okay",
        "Average",
        "Does the job",
        "Mixed feelings",
        "Fine for the price",
        "Nothing special",
        "Decent but flawed",
        "Good and bad",
        "OK I guess",
        "So-so",
    ],
    4: [
        "Pretty good",
        "Solid choice",
        "Happy with it",
        "Good value",
        "Nearly perfect",
        "Works well",
        "Recommended",
        "Good, minor issues",
        "Nice",
        "Does what it says",
    ],
    5: [
        "Love it!",
        "Perfect",
        "Excellent",
        "Best purchase ever",
        "Highly recommend",
        "Fantastic",
        "Couldn't be happier",
        "Amazing quality",
        "Five stars",
        "Brilliant",
    ],
}

OPINIONS: dict[int, list[str]] = {
    1: [
        "Complete waste of money.",
        "The {aspect} broke within a week.",
        "Do not buy {this} {product}.",
        "Sending it back immediately.",
        "The {aspect} {is} absolutely useless.",
        "Stopped working after two days.",
        "Worst {product} I have ever owned.",
        "Customer service never replied.",
        "Arrived damaged and the {aspect} {was} cracked.",
        "It's a fire hazard, honestly.",
        "I regret buying this.",
        'The "lifetime warranty" is a joke.',
        "Total garbage, the {aspect} fell apart.",
        "Nothing about it works as advertised.",
    ],
    2: [
        "Pretty disappointed with the {aspect}.",
        "Not worth the price.",
        "Expected much better for this money.",
        "The {aspect} {feels} cheap and flimsy.",
        "It works, but only just.",
        "Had problems with the {aspect} from day one.",
        "The {aspect} {is} a real letdown.",
        "I probably won't buy this brand again.",
        "Looks nice but the {aspect} {is} poor.",
        "Too many small problems to recommend it.",
        'Sold as "premium", but it really isn\'t.',
        "The {aspect} started failing after a month.",
    ],
    3: [
        "It's okay, nothing special.",
        "Does the job, but that's about it.",
        "The {aspect} {is} fine but the {aspect2} {is2} disappointing.",
        "Average {product}, you get what you pay for.",
        "Mixed feelings about this one.",
        "Some things are good, others not so much.",
        "The {aspect} {is} decent for the price.",
        "Not bad, not great.",
        'Not exactly "professional grade", but fine.',
        "It's fine for occasional use.",
        "The {aspect} could be better, the {aspect2} {is2} alright.",
    ],
    4: [
        "Really good {product} overall.",
        "The {aspect} {is} great, only the {aspect2} could be better.",
        "Solid for the price.",
        "My only gripe is the {aspect}.",
        "Works well, just not perfect.",
        "Happy with it so far.",
        "Good quality {aspect}.",
        "Would recommend with small reservations.",
        "Does exactly what I needed.",
        "Nice {product}, the {aspect} took a little getting used to.",
    ],
    5: [
        "Absolutely love {this} {product}!",
        "The {aspect} {is} fantastic.",
        "Best {product} I've ever owned.",
        "Worth every penny.",
        "Would buy again in a heartbeat.",
        "Exceeded all my expectations.",
        "Flawless, the {aspect} {is} perfect.",
        "I've already ordered a second one.",
        "Incredible quality for the price.",
        "The {aspect} {is} amazing, no complaints at all.",
        "Can't recommend it enough.",
        'My {person} calls it "the best thing we ever bought".',
    ],
}

NEUTRAL = [
    "I bought this for my {person}.",
    "Arrived on {day}.",
    "I've had it for {n} weeks now.",
    "Ordered the {colour} one.",
    "I use it mostly {usage}.",
    "This replaced my old {product}.",
    "Bought it on sale.",
    "It came in a plain brown box.",
    "My {person} picked this one out.",
    "I compared three models before choosing this one.",
]
PERSONS = [
    "son",
    "daughter",
    "wife",
    "husband",
    "mum",
    "dad",
    "partner",
    "flatmate",
    "friend",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "time"]
COLOURS = ["black", "white", "grey", "navy", "red", "green", "sand", "pink"]
USAGES = [
    "at home",
    "at work",
    "on weekends",
    "when travelling",
    "in the mornings",
    "every day",
]

# Probabilities that a sentence's tone is the rating's own, a neighbour's, or anything at all.
P_SAME, P_NEIGHBOUR = 0.58, 0.30
P_NEUTRAL = 0.22
P_MISCLICK = 0.04
P_TYPO = 0.12
P_HTML = 0.03


def _tone(rng: random.Random, stars: int) -> int:
    roll = rng.random()
    if roll < P_SAME:
        return stars
    if roll < P_SAME + P_NEIGHBOUR:
        options = [s for s in (stars - 1, stars + 1) if 1 <= s <= 5]
        return rng.choice(options)
    return rng.randint(1, 5)


def _verb(noun: str, singular: str, plural: str) -> str:
    """Agree the verb with the aspect ("the blades are", "the lid is")."""
    return plural if noun.endswith("s") and not noun.endswith("ss") else singular


def _fill(rng: random.Random, template: str, product: str, aspects: list[str]) -> str:
    aspect, aspect2 = rng.sample(aspects, 2)
    return template.format(
        product=product,
        aspect=aspect,
        aspect2=aspect2,
        **{"is": _verb(aspect, "is", "are"), "is2": _verb(aspect2, "is", "are")},
        this=_verb(product, "this", "these"),
        was=_verb(aspect, "was", "were"),
        feels=_verb(aspect, "feels", "feel"),
        person=rng.choice(PERSONS),
        day=rng.choice(DAYS),
        n=rng.randint(2, 30),
        colour=rng.choice(COLOURS),
        usage=rng.choice(USAGES),
    )


def _capitalise(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: swap, drop or double a letter inside a longer word."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    j = rng.randint(1, len(word) - 3)
    kind = rng.randint(0, 2)
    if kind == 0:
        word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    elif kind == 1:
        word = word[:j] + word[j + 1 :]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def _review(rng: random.Random, stars: int) -> tuple[str, str]:
    product, aspects = rng.choice(PRODUCTS)
    title = rng.choice(TITLES[_tone(rng, stars)])
    count = rng.choices([1, 2, 3, 4, 5], weights=[14, 26, 28, 20, 12])[0]
    sentences: list[str] = []
    for index in range(count):
        if index > 0 and rng.random() < P_NEUTRAL:
            template = rng.choice(NEUTRAL)
        else:
            template = rng.choice(OPINIONS[_tone(rng, stars)])
        sentence = _capitalise(_fill(rng, template, product, aspects))
        if sentence not in sentences:
            sentences.append(sentence)
    body = " ".join(sentences)
    if count > 1 and rng.random() < P_HTML:
        body = "<br />".join(sentences) if rng.random() < 0.5 else f"<p>{body}</p>"
    for _ in range(2):
        if rng.random() < P_TYPO:
            body = _typo(rng, body)
    if rng.random() < 0.05:
        body = body.lower()
    return title, body


# How many rows of each fault ``_add_faults`` writes over the generated reviews.
N_DUPLICATES = 6
N_NEAR_DUPLICATES = 4
N_CONFLICTS = 3
N_UNSPACED_LABELS = 5
N_ENTITIES = 4


def _add_faults(rng: random.Random, rows: list[dict[str, str]]) -> None:
    """Overwrite a few rows with copies and variants of others (the count stays the same)."""
    slots = rng.sample(range(len(rows)), N_DUPLICATES + N_NEAR_DUPLICATES + N_CONFLICTS)
    sources = rng.sample(range(len(rows)), len(slots))
    for n, (slot, source) in enumerate(zip(slots, sources, strict=True)):
        original = rows[source]
        if n < N_DUPLICATES:
            rows[slot] = dict(original)
        elif n < N_DUPLICATES + N_NEAR_DUPLICATES:
            title, _, rest = original["prompt"].partition("\n\n")
            rows[slot] = {"prompt": f"{title.upper()}\n\n{rest.replace('. ', '.  ', 1)}",
                          "completion": original["completion"]}  # fmt: skip
        else:
            stars = int(original["completion"])
            other = stars - 1 if stars > 1 else stars + 1
            rows[slot] = {"prompt": original["prompt"], "completion": f" {other}"}
    taken = set(slots) | set(sources)
    free = [i for i in range(len(rows)) if i not in taken]
    for index in rng.sample(free, N_UNSPACED_LABELS):
        rows[index]["completion"] = rows[index]["completion"].strip()
    with_apostrophe = [
        i for i in free if "'" in rows[i]["prompt"] and rows[i]["completion"][0] == " "
    ]
    for index in rng.sample(with_apostrophe, N_ENTITIES):
        rows[index]["prompt"] = rows[index]["prompt"].replace("'", "&#39;")


def build(*, seed: int = 20261121, count: int = 1000) -> list[dict[str, str]]:
    """Return ``count`` unique review rows ``{"prompt", "completion"}`` in a fixed order."""
    rng = random.Random(seed)
    stars_pool = list(STAR_WEIGHTS)
    weights = list(STAR_WEIGHTS.values())
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    while len(rows) < count:
        stars = rng.choices(stars_pool, weights=weights)[0]
        title, body = _review(rng, stars)
        prompt = f"{title}\n\n{body}{SEPARATOR}"
        if prompt in seen:
            continue
        seen.add(prompt)
        label = stars
        if rng.random() < P_MISCLICK:
            label = rng.choice([s for s in stars_pool if abs(s - stars) >= 2])
        rows.append({"prompt": prompt, "completion": f" {label}"})
    _add_faults(random.Random(seed + 1), rows)
    return rows
