"""Synthetic product listings labelled with one of eleven shop categories.

Why it is built this way: the demo needs a classification set whose classes are clearly
imbalanced (the largest is 25% of the rows, the smallest 1.5%), so that class-balance checks,
stratified splits and per-class metrics have something to show. The counts per class are fixed,
not sampled, so the imbalance is exactly what the README says. Titles carry commas, inch marks
and quoted model names so that the CSV needs real quoting. Brand names are invented.
"""

from __future__ import annotations

import random

SEPARATOR = "\n\n###\n\n"

# Category -> number of rows (800 in all; largest 200, smallest 12).
COUNTS: dict[str, int] = {
    "Electronics": 200,
    "Home & Kitchen": 150,
    "Clothing": 110,
    "Beauty": 80,
    "Sports & Outdoors": 70,
    "Books": 55,
    "Toys & Games": 45,
    "Grocery": 35,
    "Office Supplies": 25,
    "Pet Supplies": 18,
    "Automotive": 12,
}

# fmt: off
BRANDS = [
    "Corvale", "Brinmoor", "Tessaly", "Okkumo", "Lindqvale", "Prayne", "Vestrel", "Harrowby",
    "Quenlo", "Mirabeth", "Stonecask", "Pellwick", "Auren & Fisk", "Northgale",
]

# Category -> items: (name, variants, selling points). Variants and points fit their item.
Item = tuple[str, list[str], list[str]]
CATALOGUE: dict[str, list[Item]] = {
    "Electronics": [
        ("Wireless Earbuds", ["Black", "White", "Sport Edition"], ["up to 30 hours with the case", "pairs in seconds over Bluetooth 5.3", "sweat-resistant"]),
        ("USB-C Charger", ["65W", "30W", "2-Port"], ["charges a laptop and phone at once", "folding plug for travel", "overcharge protection"]),
        ("Bluetooth Speaker", ["Blue", "Mini", "Stereo Pair"], ["waterproof to IPX7", "12 hours of playback", "deep bass for its size"]),
        ("4K Webcam", ["with Privacy Cover", "Wide-Angle", "Dual Mic"], ["plug-and-play, no drivers needed", "auto-focus and low-light correction", "clips onto any monitor"]),
        ("Power Bank", ["20,000 mAh", "10,000 mAh", "with Built-In Cable"], ["charges a phone three times over", "fits in a jacket pocket", "airline-safe capacity"]),
        ("Smart Plug", ["2-Pack", "4-Pack", "with Energy Monitor"], ["schedules and timers from the app", "works with voice assistants", "no hub required"]),
        ("Noise-Cancelling Headphones", ["Over-Ear", "Foldable", "Black"], ["40 hours of battery", "quick charge: 10 minutes for 5 hours", "soft memory-foam cushions"]),
        ("HDMI 2.1 Cable", ["6 ft", "10 ft", "3-Pack"], ["supports 4K at 120 Hz", "braided nylon jacket", "gold-plated connectors"]),
        ("Portable SSD", ["1 TB", "2 TB", "500 GB"], ["read speeds up to 1,050 MB/s", "drop-resistant shell", "USB-C and USB-A cables included"]),
        ("Wi-Fi Range Extender", ["Dual-Band", "Mesh-Ready", "with Ethernet Port"], ["eliminates dead zones upstairs", "set up from your phone in minutes", "covers up to 120 m²"]),
        ("E-Reader", ['6" Screen', '7" Screen, Waterproof', "with Warm Light"], ["weeks of battery on one charge", "glare-free like paper", "holds thousands of books"]),
        ("Action Camera", ["4K60", "with Mounting Kit", "Dual Screen"], ["waterproof to 10 m without a case", "image stabilisation", 'includes a 1.5" mounting clip']),
        ("Smartwatch", ["41 mm", "45 mm", "GPS Edition"], ["heart-rate and sleep tracking", "up to 7 days of battery", "swim-proof"]),
        ("Dash Cam", ["Front and Rear", "1440p", "with Parking Mode"], ["loop recording with crash detection", "wide 140° lens", "night vision"]),
    ],
    "Home & Kitchen": [
        ("Cast-Iron Skillet", ['12"', '10"', "Pre-Seasoned"], ["oven-safe up to 260 °C", "heats evenly on gas, electric and induction", "lasts a lifetime"]),
        ("Electric Kettle", ["1.7 L", "Glass", "Variable Temperature"], ["boils in under four minutes", "auto shut-off and boil-dry protection", "cordless 360° base"]),
        ("Knife Block Set", ["6-Piece", "8-Piece", "Walnut Block"], ["high-carbon stainless steel blades", "full-tang handles", "sharpener included"]),
        ("Air Fryer", ["5-Quart", "Dual Basket", "Compact"], ["crispy results with little or no oil", "dishwasher-safe basket", "eight presets"]),
        ("Glass Food Containers", ["Set of 6", "Set of 10", "with Bamboo Lids"], ["BPA-free lids that snap shut", "oven, microwave and freezer safe", "stack neatly"]),
        ("Bamboo Cutting Board", ["Large", "Set of 3", "with Juice Groove"], ["gentle on knife edges", "easy to clean, just rinse and dry", "reversible"]),
        ("French Press", ["1 L", "Double-Wall", "Copper Finish"], ["four-level filtration", "keeps coffee hot for an hour", "no paper filters"]),
        ("Throw Blanket", ["Cream", "Charcoal, 130 x 170 cm", "Chunky Knit"], ["machine-washable", "soft on both sides", "a gift they'll actually use"]),
        ("Shower Curtain", ["Grey", '72" x 72"', "with Hooks"], ["water-repellent fabric", "weighted hem stays put", "mildew-resistant"]),
        ("Stand Mixer", ["5.5 L", "Red", "with Pouring Shield"], ["ten speeds", "dough hook, whisk and beater included", "quiet motor"]),
        ("Spice Rack", ["with 20 Jars", "Wall-Mounted", "Rotating"], ["labels included", "fits standard cabinets", "easy to refill"]),
    ],
    "Clothing": [
        ("Merino Wool Sweater", ["Navy, Size M", "Oatmeal, Size L", "Forest Green, Size S"], ["soft, itch-free fabric", "naturally odour-resistant", "hand-wash or wool cycle"]),
        ("Rain Jacket", ["Yellow, Size M", "Black, Size XL", "Olive, Size S"], ["packs into its own pocket", "taped seams", "adjustable hood"]),
        ("Slim-Fit Chinos", ['Khaki, 32" Waist', 'Navy, 34" Waist', 'Stone, 30" Waist'], ["stretch cotton", "true to size", "wrinkle-resistant"]),
        ("Cotton T-Shirt", ["3-Pack", "White, Size L", "Heather Grey, XL"], ["made from 100% organic cotton", "pre-shrunk", "tag-free collar"]),
        ("Hiking Socks", ["3 Pairs", "Size 39-42", "Size 43-46"], ["cushioned heel and toe", "wool blend keeps feet dry", "no-slip cuff"]),
        ("Linen Shirt", ["Sky Blue, Size M", "White, Size L", "Sage, Size S"], ["breathable and machine-washable", "relaxed fit", "coconut-shell buttons"]),
        ("Puffer Vest", ["Black, Size M", "Rust, Size 10 (Kids)", "Navy, Size L"], ["lightweight recycled fill", "two zip pockets", "packs down small"]),
        ("Denim Jacket", ["Mid Wash, Size M", "Black, Size S", "Light Wash, Size L"], ["classic trucker cut", "reinforced seams", "softens with every wash"]),
        ("Pyjama Set", ["Women's, Size M", "Men's, Size L", "Kids', Age 6-7"], ["brushed cotton flannel", "elastic waist with drawstring", "gift box included"]),
        ("Knit Beanie", ["Charcoal", "Mustard", "2-Pack"], ["one size fits most", "fleece-lined", "double-layer cuff"]),
    ],
    "Beauty": [
        ("Vitamin C Serum", ["30 ml", "15 ml Travel Size"], ["brightens dull skin", "absorbs quickly, no greasy feel", "fragrance-free"]),
        ("Mineral Sunscreen SPF 50", ["50 ml", "100 ml", "Tinted"], ["reef-friendly formula", "no white cast", "water-resistant for 40 minutes"]),
        ("Hydrating Face Cream", ["50 ml", "Night Formula", "Sensitive Skin"], ["with hyaluronic acid", "dermatologist-tested", "suitable for all skin types"]),
        ("Lip Balm", ["4-Pack", "Unscented", "Mint"], ["beeswax and shea butter", "recyclable aluminium tube", "lasts for hours"]),
        ("Clay Face Mask", ["100 g", "Kaolin and Charcoal"], ["clears pores in ten minutes", "vegan and cruelty-free", "rinses off easily"]),
        ("Shampoo Bar", ["for Dry Hair", "for Oily Hair", "Lavender"], ["plastic-free packaging", "lasts as long as two bottles", "sulphate-free"]),
        ("Ionic Hair Dryer", ["1875 W", "Travel Size", "with Diffuser"], ["dries hair in half the time", "three heat settings", "cool-shot button"]),
        ("Nail Polish Set", ['"Rose Nude" Collection', "6 Shades", "Pastels"], ["chip-resistant for up to a week", "quick-drying", "vegan formula"]),
    ],
    "Sports & Outdoors": [
        ("Yoga Mat", ["6 mm", "4 mm", "Extra Long"], ["grippy on both sides", "carry strap included", "free of PVC"]),
        ("Adjustable Dumbbells", ["Pair, 2-24 kg", "Pair, 2-10 kg"], ["change weight with a dial", "replaces 15 sets of weights", "compact storage tray"]),
        ("Camping Tent", ["2-Person", "4-Person", "Ultralight"], ["sets up in under five minutes", "3,000 mm waterproof rating", "two doors and vestibules"]),
        ("Trekking Poles", ["Pair", "Carbon, Pair"], ["flick locks adjust in seconds", "cork grips", "fold to 38 cm"]),
        ("Bike Helmet", ["Size M", "Size L", "with Rear Light"], ["quick-release buckles", "14 vents keep you cool", "meets EN 1078"]),
        ("Resistance Bands", ["Set of 5", "Fabric, Set of 3"], ["five strength levels", "door anchor and handles included", "latex-free"]),
        ("Sleeping Bag", ["Mummy, 3-Season", "Rectangular", "Kids'"], ["comfort rating down to -5 °C", "compression sack included", "two-way zip"]),
        ("Insulated Water Bottle", ["750 ml", "1 L", "with Straw Lid"], ["keeps drinks cold for 24 hours", "leak-proof lid", "fits bike cages"]),
        ("Hiking Backpack", ["40 L", "28 L", "with Rain Cover"], ["ventilated back panel", "hip-belt pockets", "hydration-sleeve compatible"]),
    ],
    "Books": [
        ("Cookbook: Weeknight Vegetables", ["Hardcover", "Paperback"], ["recipes for every season", "over 200 full-colour photos", "most dishes in 30 minutes"]),
        ("Field Guide to Garden Birds", ["Pocket Edition", "2nd Edition"], ["over 300 illustrated species", "includes maps and an index", "fits in a coat pocket"]),
        ("The Lighthouse Keeper's Daughter (Mystery Novel)", ["Paperback", "Large Print"], ["a page-turner with a twist ending", 'from the author of "The Quiet Harbour"', "book one of a series"]),
        ("Beginner's Guide to Python", ["3rd Edition", "Paperback, 320 pages"], ["written for complete beginners", "exercises with answers", "no prior experience needed"]),
        ("Picture Book: Moss the Moth", ["Hardcover", "Board Book"], ["for ages 2 to 5", "bright, gentle illustrations", "perfect for bedtime"]),
        ("Travel Guide: Walking the Coast", ["Paperback", "Revised Edition"], ["42 routes with maps", "where to eat and stay", "updated for this year"]),
        ("Poetry Collection: Small Weather", ["Hardcover", "Signed Copy"], ["shortlisted for a national prize", "sixty new poems", "a thoughtful gift"]),
    ],
    "Toys & Games": [
        ("Building Blocks Set", ["500 Pieces", "1,000 Pieces", "Ages 4+"], ["compatible with major brands", "storage tub included", "sparks creativity"]),
        ("Jigsaw Puzzle", ["1000-Piece", "500-Piece", "Ages 8+"], ["thick, snug-fitting pieces", "poster included", "a great rainy-day activity"]),
        ("Strategy Board Game", ["2-4 Players", "Deluxe Edition"], ['voted "game of the year" by our testers', "games last about 45 minutes", "easy to learn"]),
        ("Plush Bear", ['12"', '18"', "Brown"], ["super-soft and washable", "safety-tested for babies", "embroidered eyes"]),
        ("Remote Control Car", ["Off-Road", "1:16 Scale", "Rechargeable"], ["reaches 25 km/h", "two batteries for longer play", "shock-absorbing suspension"]),
        ("Wooden Train Set", ["52 Pieces", "with Bridge"], ["made from sustainably sourced wood", "no batteries required", "ages 3 and up"]),
        ("Science Kit", ["Crystal Growing", "Volcano Lab", "Ages 8+"], ["twelve experiments", "step-by-step booklet", "teaches real chemistry safely"]),
    ],
    "Grocery": [
        ("Ground Coffee", ["Medium Roast, 500 g", "Dark Roast, 250 g"], ["roasted in small batches", "fair-trade beans", "rich, nutty flavour"]),
        ("Green Tea Bags", ["Pack of 100", "Pack of 40"], ["organic", "individually wrapped", "smooth, never bitter"]),
        ("Extra Virgin Olive Oil", ["1 L", "500 ml"], ["cold-pressed", "from a single estate", "peppery finish"]),
        ("Dark Chocolate Bar", ["85%, 100 g", "70% Sea Salt, Pack of 5"], ["no added vanilla", "fair-trade cocoa", "vegan"]),
        ("Rolled Oats", ["1 kg", "Gluten-Free, 500 g"], ["wholegrain", "resealable bag keeps it fresh", "great for porridge"]),
        ("Maple Syrup", ["250 ml", "Grade A Amber, 500 ml"], ["100% pure", "no added sugar", "glass bottle"]),
        ("Hot Sauce", ["Smoky Chipotle, 150 ml", "Habanero, 150 ml"], ["small-batch", "medium heat", "goes with everything"]),
    ],
    "Office Supplies": [
        ("Gel Pens", ["Pack of 12", "Black Ink, 10-Pack", "Assorted Colours"], ["smudge-free quick-drying ink", "comfortable rubber grip", "0.5 mm fine point"]),
        ("Spiral Notebook", ["A5, Dotted", "A4, Lined", "3-Pack"], ["120 gsm paper, no bleed-through", "perforated pages", "sturdy cover"]),
        ("Desk Organiser", ["Bamboo", "Mesh, Black"], ["keeps a desk tidy", "five compartments", "phone slot"]),
        ("Heavy-Duty Stapler", ["Black", "with 5,000 Staples"], ["staples up to 25 sheets", "jam-free mechanism", "non-slip base"]),
        ("Sticky Notes", ["Pack of 12 Pads", "Bright Colours"], ["peels off without residue", "76 x 76 mm", "recycled paper"]),
    ],
    "Pet Supplies": [
        ("Orthopaedic Dog Bed", ["Large", "Medium"], ["removable, washable cover", "memory-foam base", "non-slip bottom"]),
        ("Cat Scratching Post", ['32"', "with Perch"], ["sisal rope wrap", "heavy base won't tip", "hanging toy included"]),
        ("Reflective Dog Leash", ["1.5 m", "2 m"], ["padded handle", "visible at night", "strong swivel clip"]),
        ("Clumping Cat Litter", ["10 kg", "6 kg"], ["low-dust and odour control", "easy scooping", "unscented"]),
        ("Pet Water Fountain", ["2 L", "with 3 Filters"], ["filters water for cats and dogs", "whisper-quiet pump", "dishwasher-safe parts"]),
    ],
    "Automotive": [
        ("Portable Tyre Inflator", ["12 V", "Cordless"], ["plugs into the car's 12 V socket", "auto-stop at set pressure", "LED work light"]),
        ("Magnetic Car Phone Mount", ["Vent Clip", "Dashboard"], ['holds phones up to 6.9"', "one-hand mounting", "strong magnets"]),
        ("Jump Starter", ["1000 A", "2000 A"], ["starts engines up to 6 L petrol", "doubles as a power bank", "reverse-polarity protection"]),
        ("Microfibre Wash Mitt", ["2-Pack", "with Drying Towel"], ["scratch-free on paintwork", "machine-washable", "elastic cuff"]),
    ],
}
# fmt: on


def _listing(rng: random.Random, category: str) -> str:
    name, variants, points = rng.choice(CATALOGUE[category])
    title = f"{rng.choice(BRANDS)} {name}, {rng.choice(variants)}"
    first, second = rng.sample(points, 2)
    description = f"{first[0].upper()}{first[1:]}"
    if rng.random() < 0.6:
        description += f"; {second}"
    return f"{title}\n\n{description}.{SEPARATOR}"


def build(*, seed: int = 20261122) -> list[dict[str, str]]:
    """Return unique rows ``{"prompt", "completion"}``, COUNTS per category, shuffled."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for category, count in COUNTS.items():
        made = 0
        while made < count:
            prompt = _listing(rng, category)
            if prompt in seen:
                continue
            seen.add(prompt)
            rows.append({"prompt": prompt, "completion": f" {category}"})
            made += 1
    rng.shuffle(rows)
    return rows
