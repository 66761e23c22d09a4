"""The demo supply catalog: two suppliers and forty products (prices in US cents).

Minimum retail prices sit at most 25 % over wholesale for Harvest & Home Goods and at most
50 % for Northwind, so the demo shops' markups (25 % and 60 %) are legal for every variant.
Each product's `image` names an illustration in app/static/demo/.
"""

from __future__ import annotations

SIZES = ("S", "M", "L", "XL")


def sized(colours, sizes, wholesale, min_retail, stock=24, low=None):
    """Apparel variants: every size in every colour; `low` maps (size, colour) to its stock."""
    low = low or {}
    return [
        ({"size": size, "colour": colour}, wholesale, min_retail, low.get((size, colour), stock))
        for colour in colours for size in sizes
    ]


def one_size(colours, wholesale, min_retail, stock=30, low=None):
    return sized(colours, ("One size",), wholesale, min_retail, stock,
                 {("One size", colour): n for colour, n in (low or {}).items()})


def by(option, rows):
    """Variants differing in one option: rows of (value, wholesale, min_retail, stock)."""
    return [({option: value}, wholesale, min_retail, stock) for value, wholesale, min_retail, stock in rows]


def same(option, values, wholesale, min_retail, stock=40, low=None):
    low = low or {}
    return by(option, [(value, wholesale, min_retail, low.get(value, stock)) for value in values])


NORTHWIND = {
    "name": "Northwind Apparel Co.",
    "contact_name": "Dana Whitfield",
    "contact_email": "wholesale@northwind-apparel.example",
    "contact_phone": "+1 503 555 0142",
    "products": [
        ("NW-TEE-101", "Everyday Organic Cotton Tee", "apparel", "organic-tee",
         "A mid-weight 180 gsm tee in GOTS-certified organic cotton, garment-dyed for a soft, "
         "lived-in hand. Regular fit, ribbed crew neck, pre-shrunk.",
         sized(("Oat", "Sage"), ("S", "M", "L"), 1500, 2200, 30, {("L", "Sage"): 3})),
        ("NW-TEE-102", "Heavyweight Boxy Tee", "apparel", "boxy-tee",
         "A 240 gsm heavyweight jersey tee with a boxy, slightly cropped cut and dropped "
         "shoulders. Screen-printed sun motif on the chest.",
         sized(("Black",), SIZES, 1800, 2600, 25)),
        ("NW-HOD-201", "Cloud Fleece Hoodie", "apparel", "fleece-hoodie",
         "Brushed-back fleece hoodie in a cotton-recycled polyester blend. Double-layer hood, "
         "flat drawcords, kangaroo pocket and ribbed cuffs.",
         sized(("Heather Grey",), SIZES, 3400, 4900, 16, {("XL", "Heather Grey"): 0})),
        ("NW-SWT-202", "Relaxed Crewneck Sweatshirt", "apparel", "crewneck",
         "Loopback cotton sweatshirt with a relaxed fit, raglan seams and a small V-stitch at "
         "the neck. Washes soft, keeps its shape.",
         sized(("Dusty Rose",), SIZES, 2800, 3900, 18)),
        ("NW-ACC-301", "Ribbed Merino Beanie", "apparel", "merino-beanie",
         "Fine-rib beanie knitted from 100 % extra-fine merino: warm, breathable and never "
         "itchy. Deep turn-up cuff and a wool pompom.",
         one_size(("Mustard", "Charcoal", "Forest"), 1200, 1800, 40, {"Forest": 2})),
        ("NW-ACC-302", "Canvas Market Tote", "apparel", "market-tote",
         "A roomy 12 oz cotton canvas tote with reinforced handles long enough for the "
         "shoulder. Inside pocket for keys. 40 x 38 x 10 cm.",
         one_size(("Natural", "Black"), 900, 1400, 60)),
        ("NW-ACC-303", "Washed Cotton Dad Cap", "apparel", "dad-cap",
         "Garment-washed cotton twill cap with a curved brim, low profile and an adjustable "
         "brass buckle strap.",
         one_size(("Navy", "Stone"), 1000, 1500, 45)),
        ("NW-TOP-401", "Striped Breton Long-Sleeve", "apparel", "breton-top",
         "The classic marinière in heavy cotton jersey: boat neck, 21 navy stripes, slightly "
         "cropped sleeves.",
         sized(("Navy / Ecru",), ("S", "M", "L"), 2200, 3200, 20)),
        ("NW-SHR-402", "Linen Button-Up Shirt", "apparel", "linen-shirt",
         "Stonewashed European flax linen shirt with a relaxed fit, chest pocket and "
         "corozo-nut buttons. Breathes on the hottest days.",
         sized(("White",), SIZES, 3200, 4600, 14)),
        ("NW-SOC-501", "Cozy Crew Socks, 3-Pack", "apparel", "crew-socks",
         "Three pairs of cushioned crew socks in combed cotton with a seamless toe. One each in "
         "blush, sky and butter.",
         sized(("Pastel mix",), ("S/M", "L/XL"), 700, 1100, 80)),
        ("NW-PNT-601", "Wide-Leg Lounge Pants", "apparel", "lounge-pants",
         "Drapey wide-leg pants in TENCEL-cotton twill with an elastic back waist, front "
         "pleats and deep side pockets.",
         sized(("Oat",), SIZES, 2600, 3800, 15)),
        ("NW-BAG-701", "Quilted Crossbody Bag", "apparel", "crossbody-bag",
         "A small quilted bag in recycled nylon with a magnetic flap, gold-tone clasp and an "
         "adjustable strap. Fits a phone, cards and a lipstick.",
         one_size(("Sage", "Cream"), 2400, 3500, 12, {"Cream": 0})),
        ("NW-LIP-801", "Velvet Matte Lipstick", "beauty", "velvet-lipstick",
         "A creamy matte lipstick with shea butter and vitamin E that stays comfortable all "
         "day. Vegan, cruelty-free, 3.5 g.",
         same("shade", ("Rosewood", "Brick", "Berry", "Nude Petal"), 800, 1200, 50, {"Berry": 0})),
        ("NW-LIP-802", "Tinted Lip Balm SPF 15", "beauty", "lip-balm",
         "A sheer, buildable tint in a beeswax and jojoba balm with broad-spectrum SPF 15.",
         same("shade", ("Clear", "Cherry", "Peach"), 400, 600, 90)),
        ("NW-SKN-803", "Hydrating Hyaluronic Serum", "beauty", "hyaluronic-serum",
         "Three weights of hyaluronic acid with panthenol to plump and soothe. Fragrance-free, "
         "suits sensitive skin.",
         by("size", [("30 ml", 1400, 2000, 35), ("50 ml", 2000, 2900, 20)])),
        ("NW-SKN-804", "Whipped Shea Body Butter", "beauty", "body-butter",
         "Unrefined shea and cocoa butter whipped with sweet almond oil. Melts in, no greasy "
         "feel. Lightly scented with vanilla.",
         by("size", [("100 ml", 1000, 1500, 40), ("200 ml", 1600, 2400, 25)])),
        ("NW-SKN-805", "Rosewater Face Mist", "beauty", "rosewater-mist",
         "Steam-distilled Damask rosewater with aloe and glycerin in a fine-mist spray: a "
         "toner, a refresher and a make-up setter.",
         by("size", [("100 ml", 800, 1200, 60)])),
        ("NW-SKN-806", "Overnight Repair Cream", "beauty", "repair-cream",
         "A rich night cream with ceramides, squalane and 0.2 % retinal for smoother, "
         "stronger skin by morning.",
         by("size", [("50 ml", 1900, 2800, 4)])),
        ("NW-BTH-807", "Oat & Honey Soap Bar", "beauty", "oat-soap",
         "Cold-process soap with colloidal oat, local honey and olive oil. Gentle enough for "
         "the face. 110 g bars.",
         by("size", [("Single bar", 350, 500, 120), ("Box of 3", 900, 1350, 40)])),
        ("NW-NAI-808", "Gel-Shine Nail Polish", "beauty", "nail-polish",
         "Chip-resistant, gel-look polish with no lamp needed. 10-free formula, 12 ml.",
         same("shade", ("Coral Crush", "Midnight", "Ballet Pink", "Sage Leaf"), 450, 700, 45)),
    ],
}

HARVEST = {
    "name": "Harvest & Home Goods",
    "contact_name": "Sam Okafor",
    "contact_email": "orders@harvest-home.example",
    "contact_phone": "+1 802 555 0187",
    "products": [
        ("HH-SNK-101", "Sea Salt Kettle Crisps", "snacks", "sea-salt-crisps",
         "Thick-cut potatoes kettle-cooked in small batches in sunflower oil and finished "
         "with flaky sea salt.",
         by("pack", [("Single bag, 150 g", 220, 270, 200), ("Box of 12", 2200, 2700, 30)])),
        ("HH-SNK-102", "Smoky BBQ Kettle Crisps", "snacks", "bbq-crisps",
         "Our kettle crisps with a sweet-smoky barbecue seasoning of smoked paprika, brown "
         "sugar and a little chipotle.",
         by("pack", [("Single bag, 150 g", 220, 270, 180), ("Box of 12", 2200, 2700, 25)])),
        ("HH-SNK-201", "Honey Almond Granola", "snacks", "honey-granola",
         "Big-cluster granola of rolled oats, toasted almonds and dried cranberries baked with "
         "raw honey. No refined sugar.",
         by("pack", [("400 g jar", 560, 680, 70), ("Two jars", 1000, 1240, 30)])),
        ("HH-SNK-301", "70% Dark Chocolate Bar", "snacks", "dark-chocolate",
         "Bean-to-bar dark chocolate from Tanzanian cacao: red fruit and a long cocoa "
         "finish. 100 g.",
         by("pack", [("Single bar", 280, 350, 150), ("Five-bar bundle", 1240, 1550, 40)])),
        ("HH-SNK-302", "Brown Butter Sea Salt Cookies", "snacks", "cookie-tin",
         "Chewy brown-butter cookies with dark chocolate chunks and a pinch of sea salt, "
         "baked to order and packed in a keepsake tin.",
         by("pack", [("Tin of 12", 900, 1100, 3)])),
        ("HH-PAN-401", "Raw Wildflower Honey", "snacks", "wildflower-honey",
         "Unheated, unfiltered honey from hives on Vermont hill meadows. It crystallises "
         "naturally; warm the jar to loosen.",
         by("pack", [("250 g jar", 640, 800, 60), ("500 g jar", 1100, 1350, 35)])),
        ("HH-SNK-501", "Roasted Mixed Nuts", "snacks", "mixed-nuts",
         "Almonds, cashews, hazelnuts and pecans, slow-roasted and lightly salted. "
         "Resealable pouch.",
         by("pack", [("200 g pouch", 440, 550, 90), ("500 g pouch", 1000, 1240, 40)])),
        ("HH-SNK-502", "Dried Mango Slices", "snacks", "dried-mango",
         "Sun-ripened Ataulfo mango, sliced thick and gently dried. Nothing added, not even "
         "sugar.",
         by("pack", [("100 g pouch", 300, 375, 120), ("Six pouches", 1600, 1990, 20)])),
        ("HH-BEV-601", "Single-Origin Coffee Beans, Huila", "snacks", "coffee-beans",
         "Washed Caturra from smallholder farms in Huila, Colombia, roasted medium. Notes of "
         "panela, red apple and cocoa. Whole beans.",
         by("pack", [("250 g bag", 900, 1120, 50), ("1 kg bag", 3000, 3700, 2)])),
        ("HH-BEV-602", "Jasmine Green Tea", "snacks", "jasmine-tea",
         "Spring green tea scented seven times with fresh jasmine blossoms, in plant-based "
         "pyramid sachets.",
         by("pack", [("20 sachets", 480, 600, 80), ("50 sachets", 1040, 1300, 30)])),
        ("HH-HOM-101", "Speckled Stoneware Mug", "home", "speckled-mug",
         "A hand-glazed stoneware mug with iron speckles and a thumb-friendly handle. "
         "350 ml, dishwasher and microwave safe.",
         same("colour", ("Cream", "Sage", "Terracotta"), 700, 875, 60)),
        ("HH-HOM-102", "Fig & Cedar Soy Candle", "home", "fig-candle",
         "Hand-poured soy wax candle with a cotton wick: green fig, cedarwood and a little "
         "black pepper. About 45 hours.",
         same("colour", ("Amber glass", "Frosted white"), 840, 1050, 40, {"Frosted white": 3})),
        ("HH-HOM-201", "Washed Linen Cushion Cover", "home", "linen-cushion",
         "Stonewashed linen cushion cover with a hidden zip. 45 x 45 cm; insert not included.",
         same("colour", ("Sand", "Rust", "Olive"), 1000, 1250, 35)),
        ("HH-HOM-202", "Chunky Knit Throw", "home", "knit-throw",
         "A hand-knitted throw in soft recycled cotton with a fringed edge. 130 x 170 cm.",
         same("colour", ("Cream", "Dove Grey"), 3000, 3750, 8, {"Dove Grey": 0})),
        ("HH-HOM-301", "Ribbed Glass Vase", "home", "ribbed-vase",
         "Mouth-blown fluted glass vase with a wide base: made for a few stems. 18 cm tall.",
         same("colour", ("Clear", "Amber", "Smoke"), 800, 1000, 30)),
        ("HH-HOM-302", "Terracotta Pot with Saucer", "home", "terracotta-pot",
         "Unglazed terracotta pot with a drainage hole and matching saucer. 15 cm across.",
         same("colour", ("Natural", "Chalk White"), 600, 750, 50)),
        ("HH-HOM-401", "Waffle Cotton Towel Set", "home", "waffle-towels",
         "Two bath towels and two hand towels in quick-drying waffle-weave Turkish cotton.",
         same("colour", ("White", "Sage", "Blush"), 1800, 2250, 25)),
        ("HH-HOM-402", "Acacia Wood Serving Board", "home", "serving-board",
         "A solid acacia paddle board for cheese, bread and charcuterie, oiled and ready to "
         "use. 45 x 22 cm.",
         same("colour", ("Natural",), 1400, 1750, 30)),
        ("HH-HOM-403", "Ceramic Nesting Bowls, Set of 3", "home", "nesting-bowls",
         "Three nesting stoneware bowls (12, 16 and 20 cm) for prep, serving and salads.",
         same("colour", ("Speckled White", "Ocean Blue"), 1500, 1875, 20)),
        ("HH-HOM-404", "Glass Carafe with Cup", "home", "glass-carafe",
         "A borosilicate bedside carafe whose cup doubles as the lid. 1 litre.",
         same("colour", ("Clear", "Smoke"), 960, 1180, 40)),
    ],
}

# A tea garden in Yunnan that prices in yuan (fen): the supply behind the demo's Chinese shop.
# Its product keys are prefixed "yl-", since it shares illustrations with Harvest & Home.
YUNLING = {
    "name": "云岭茶园",
    "contact_name": "李秀兰",
    "contact_email": "orders@yunling-tea.example",
    "contact_phone": "+86 871 5555 0123",
    "currency": "CNY",
    "language": "zh",
    "key_prefix": "yl-",
    "products": [
        ("YL-TEA-101", "明前茉莉银针", "snacks", "jasmine-tea",
         "春茶明前采摘，用当季茉莉鲜花窨制七次，香气清雅，回甘持久。85 ℃ 水冲泡，可续泡四五次。",
         by("规格", [("50 克罐装", 3800, 5200, 80), ("100 克礼盒", 6800, 9200, 30)])),
        ("YL-COF-201", "保山小粒咖啡豆", "snacks", "coffee-beans",
         "云南保山海拔 1,400 米的小粒咖啡，水洗处理，中度烘焙。坚果、红糖与可可的风味，整豆发货。",
         by("规格", [("250 克", 4200, 5800, 60), ("1 千克", 14800, 19800, 10)])),
        ("YL-HON-301", "哀牢山百花蜜", "snacks", "wildflower-honey",
         "哀牢山林间蜂场的土蜂蜜，自然成熟、未经高温。天冷会结晶，温水浸泡瓶身即可化开。",
         by("规格", [("500 克瓶装", 5600, 7800, 50)])),
        ("YL-SNK-401", "云南芒果干", "snacks", "dried-mango",
         "华坪晒足太阳的芒果，厚切低温烘干，不加糖、不加色素，孩子的健康零食。",
         by("规格", [("100 克 × 3 袋", 2400, 3300, 100), ("100 克 × 10 袋", 7200, 9900, 30)])),
        ("YL-SNK-402", "每日坚果", "snacks", "mixed-nuts",
         "巴旦木、腰果、榛子与核桃仁低温烘烤，小包独立装，每天一包刚刚好。",
         by("规格", [("25 克 × 7 包", 3200, 4400, 90), ("25 克 × 30 包", 11800, 15800, 25)])),
        ("YL-HOM-501", "粗陶品茗杯", "home", "speckled-mug",
         "建水紫陶手工拉坯，釉色温润，握感厚实。单只约 120 毫升。",
         same("颜色", ("米白", "青灰", "赭红"), 2800, 3900, 40)),
    ],
}

SUPPLIERS = (NORTHWIND, HARVEST, YUNLING)
