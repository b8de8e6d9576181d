"""Generate a realistic small-shop catalog CSV (the demo catalog, or 100,000 rows for benchmarks).

    python benchmarks/gen_catalog.py                       # resources/catalog/demo_catalog.csv
    python benchmarks/gen_catalog.py --count 100000 -o /tmp/catalog-100k.csv

Columns: sku,gtin,name,price,tax_code,active (the format ``ireti-till catalog import``
reads). Tax codes follow the default config: S 20 % (non-food, drinks, sweets), R 5 %
(everyday food), Z 0 % (fresh produce, newspapers). GTIN-13s use the GS1 prefix 2
(restricted circulation, "in-store" numbers), so they are valid yet never collide with
a real product's barcode. The output is deterministic for a given --count and --seed.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "resources" / "catalog" / "demo_catalog.csv"

# (sku prefix, tax code, [(name, size, price in major units), ...])
CATEGORIES: list[tuple[str, str, list[tuple[str, str, str]]]] = [
    ("BAK", "R", [
        ("Sourdough loaf", "800g", "3.20"), ("Wholemeal bread", "800g", "1.45"),
        ("White sandwich bread", "800g", "1.25"), ("Butter croissant", "", "0.95"),
        ("Baguette", "", "1.10"), ("Rye bread", "500g", "2.35"), ("Cinnamon bun", "", "1.60"),
        ("Plain bagels", "4 pack", "1.85"), ("Seeded rolls", "6 pack", "1.75"),
        ("Pain au chocolat", "", "1.15"), ("Banana bread", "400g", "3.50"),
    ]),
    ("DAI", "R", [
        ("Whole milk", "1L", "1.09"), ("Semi-skimmed milk", "1L", "1.05"),
        ("Oat drink", "1L", "1.89"), ("Greek yoghurt", "500g", "2.29"),
        ("Salted butter", "250g", "2.45"), ("Mature cheddar", "200g", "2.65"),
        ("Free-range eggs", "6 pack", "2.10"), ("Free-range eggs", "12 pack", "3.85"),
        ("Double cream", "300ml", "1.55"), ("Feta cheese", "200g", "2.20"),
        ("Mozzarella", "125g", "0.99"), ("Natural yoghurt", "500g", "1.30"),
    ]),
    ("FRU", "Z", [
        ("Bananas", "1kg", "1.19"), ("Gala apples", "6 pack", "1.95"),
        ("Vine tomatoes", "500g", "1.79"), ("Carrots", "1kg", "0.85"),
        ("Potatoes", "2.5kg", "2.25"), ("Brown onions", "1kg", "0.99"),
        ("Lemons", "4 pack", "1.35"), ("Avocado", "", "0.89"), ("Cucumber", "", "0.69"),
        ("Little gem lettuce", "2 pack", "1.05"), ("Blueberries", "150g", "2.49"),
        ("Red peppers", "3 pack", "1.69"), ("Broccoli", "350g", "0.89"),
        ("Garlic", "4 bulbs", "1.15"), ("Baby spinach", "200g", "1.65"),
    ]),
    ("PAN", "R", [
        ("Penne pasta", "500g", "0.95"), ("Spaghetti", "500g", "0.95"),
        ("Basmati rice", "1kg", "2.39"), ("Extra virgin olive oil", "500ml", "5.49"),
        ("Chopped tomatoes", "400g", "0.65"), ("Chickpeas", "400g", "0.75"),
        ("Red lentils", "500g", "1.49"), ("Porridge oats", "1kg", "1.59"),
        ("Plain flour", "1kg", "0.99"), ("Granulated sugar", "1kg", "1.09"),
        ("Wildflower honey", "340g", "3.99"), ("Strawberry jam", "340g", "1.89"),
        ("Crunchy peanut butter", "340g", "2.59"), ("Cornflakes", "500g", "2.15"),
        ("Coconut milk", "400ml", "1.35"), ("Vegetable stock cubes", "10 pack", "1.20"),
    ]),
    ("HOT", "R", [
        ("Ground coffee", "227g", "3.95"), ("Coffee beans", "500g", "7.49"),
        ("English breakfast tea", "80 bags", "2.99"), ("Green tea", "40 bags", "2.29"),
        ("Hot chocolate", "300g", "2.79"), ("Instant coffee", "200g", "5.25"),
    ]),
    ("DRK", "S", [
        ("Sparkling water", "1.5L", "0.69"), ("Still water", "500ml", "0.55"),
        ("Cola", "330ml can", "0.89"), ("Cloudy lemonade", "1L", "1.49"),
        ("Orange juice", "1L", "1.99"), ("Apple juice", "1L", "1.79"),
        ("Lager", "4 x 440ml", "5.49"), ("Pale ale", "500ml", "2.49"),
        ("Red wine, Rioja", "750ml", "8.99"), ("White wine, Sauvignon", "750ml", "7.99"),
        ("Ginger beer", "330ml can", "0.99"), ("Energy drink", "250ml can", "1.29"),
    ]),
    ("SNK", "S", [
        ("Sea salt crisps", "150g", "1.59"), ("Dark chocolate 70%", "100g", "1.99"),
        ("Milk chocolate bar", "100g", "1.49"), ("Digestive biscuits", "400g", "1.19"),
        ("Salted popcorn", "80g", "1.25"), ("Roasted peanuts", "200g", "1.69"),
        ("Fruit gums", "150g", "1.09"), ("Oat flapjack", "", "0.99"),
        ("Tortilla chips", "200g", "1.39"), ("Shortbread fingers", "160g", "1.89"),
    ]),
    ("HOU", "S", [
        ("Washing-up liquid", "500ml", "1.29"), ("Kitchen roll", "2 rolls", "2.19"),
        ("Toilet tissue", "9 rolls", "4.49"), ("Bin bags", "20 pack", "2.35"),
        ("Laundry liquid", "1.3L", "5.99"), ("Scouring sponges", "5 pack", "1.15"),
        ("LED light bulb E27", "", "3.49"), ("AA batteries", "4 pack", "3.99"),
        ("Aluminium foil", "10m", "1.79"), ("Cling film", "30m", "1.49"),
        ("Matches", "", "0.65"), ("Tea lights", "30 pack", "2.49"),
    ]),
    ("PER", "S", [
        ("Mint toothpaste", "75ml", "1.49"), ("Toothbrush, medium", "", "1.99"),
        ("Shampoo", "400ml", "3.29"), ("Olive oil soap", "100g", "1.45"),
        ("Roll-on deodorant", "50ml", "2.25"), ("Hand cream", "75ml", "2.89"),
        ("Plasters", "20 pack", "1.85"), ("Cotton buds", "200 pack", "1.19"),
        ("Sun cream SPF 30", "200ml", "6.49"), ("Tissues", "box of 70", "1.39"),
    ]),
    ("NEW", "Z", [
        ("Daily newspaper", "", "1.80"), ("Weekend newspaper", "", "3.20"),
        ("Local weekly", "", "1.20"), ("Crossword book", "", "2.99"),
    ]),
    ("STA", "S", [
        ("Notebook A5", "", "2.49"), ("Ballpoint pens", "4 pack", "1.99"),
        ("Birthday card", "", "2.75"), ("Gift wrap", "3m", "1.99"),
        ("Sticky tape", "", "0.99"), ("Envelopes C6", "20 pack", "1.49"),
    ]),
]

BRANDS = ["Market Fresh", "Ireti Select", "Golden Field", "Blue Harbour", "Hillside",
          "Old Mill", "Green Valley", "Northway", "Saffron & Co", "Daybreak", "Riverbend",
          "Sunny Acre", "Copper Kettle", "Stonegate", "Meadowlark", "Kestrel", "Wildwood",
          "Harbour Lights", "Linden", "Aurora", "Juniper", "Red Kite", "Maple Row", "Tidewater",
          "Bramble", "Fenwick", "Oakridge", "Silver Birch", "Westfield", "Cobble Lane"]
VARIANTS = ["", "Organic", "Value", "Finest", "Light", "Family size", "Free-from",
            "Fairtrade", "Twin pack", "Multipack", "Classic", "Extra", "Mini", "Large",
            "Smoked", "Spiced", "Unsalted", "Original", "Reduced sugar", "Wholegrain"]
# Own brand is cheaper, premium brands dearer (a multiplier on the base price).
PRICE_FACTORS = [Decimal("0.85"), Decimal("1.00"), Decimal("1.15"), Decimal("1.35")]


def check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin13(n: int) -> str:
    body = f"2{n:011d}"
    return body + str(check_digit(body))


def shop_price(base: str, factor: Decimal) -> str:
    """Base price times factor, ending in 5 or 9 cents like a shop would price it."""
    raw = (Decimal(base) * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    cents = int(raw * 100)
    cents = cents - cents % 10 + (9 if cents % 10 >= 7 else 5)
    return f"{Decimal(cents) / 100:.2f}"


def rows(count: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    items = [(prefix, tax, item) for prefix, tax, group in CATEGORIES for item in group]
    numbers: dict[str, int] = {}
    seen_names: set[str] = set()
    produced = 0
    while produced < count:
        prefix, tax, (name, size, base) = items[produced % len(items)]
        round_no = produced // len(items)
        brand = BRANDS[round_no % len(BRANDS)] if round_no else "Market Fresh"
        variant = VARIANTS[(round_no // len(BRANDS)) % len(VARIANTS)]
        factor = PRICE_FACTORS[(round_no + len(name)) % len(PRICE_FACTORS)]
        parts = [brand, variant.lower() if variant else "", name.lower() if variant else name]
        title = " ".join(p for p in parts if p)
        title = title[0].upper() + title[1:]
        full = f"{title} {size}".strip()
        if round_no >= len(BRANDS) * len(VARIANTS):  # beyond the natural combinations
            full = f"{full} #{round_no}"
        if full in seen_names:
            full = f"{full} ({rng.randrange(10**6):06d})"
        seen_names.add(full)
        numbers[prefix] = numbers.get(prefix, 0) + 1
        sku = f"{prefix}-{numbers[prefix]:05d}" if count <= 99_999 else (
            f"{prefix}-{numbers[prefix]:06d}")
        active = "no" if produced % 97 == 96 else "yes"  # a few discontinued lines
        yield [sku, gtin13(1000 + produced), full, shop_price(base, factor), tax, active]
        produced += 1


def write(path: Path, count: int, seed: int) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["sku", "gtin", "name", "price", "tax_code", "active"])
        n = 0
        for row in rows(count, seed):
            out.writerow(row)
            n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    n = write(args.output, args.count, args.seed)
    print(f"wrote {n} products to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
