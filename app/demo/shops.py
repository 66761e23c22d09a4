"""The three demo shops: owners, picks, collections and a few orders.

A listing is (product image key, title, recommendation, price rule or None for the shop's
default markup). An order line is (product image key, variant index, quantity).
"""

from __future__ import annotations

from app.orders.services import CustomerDetails


def markup(percent: int) -> tuple[str, int]:
    return ("markup", percent * 100)


def fixed(cents: int) -> tuple[str, int]:
    return ("fixed", cents)


def customer(name, email, phone, line1, city, region, postcode, line2="", country="US"):
    return CustomerDetails(name=name, email=email, phone=phone, line1=line1, line2=line2,
                           city=city, region=region, postcode=postcode, country=country)


def kunming(name, email, phone, line1):
    return customer(name, email, phone, line1, "昆明市", "云南省", "650000", country="CN")


MIA = {
    "owner": "mia@flagship.example",
    "name": "Mia's Closet",
    "subdomain": "mia",
    "bio": (
        "Hi, I'm Mia! I share outfit ideas and honest beauty reviews with 120k friends online. "
        "This is my closet, open to you: the pieces I actually wear on repeat and the few "
        "products that never leave my make-up bag. Nothing here is sponsored, I just love it."
    ),
    "default_rule": markup(60),
    "listings": [
        ("organic-tee", "The Perfect Organic Tee",
         "I own this tee in both colours and it is the one I reach for every single morning. "
         "It's heavy enough not to be see-through but still soft from the first wear.\n\n"
         "Styling tip: half-tuck the Oat one into the lounge pants for the comfiest outfit "
         "that still looks put together.", None),
        ("boxy-tee", "Boxy Sun Tee",
         "The cut is everything: cropped just enough to wear with high-waisted jeans, and the "
         "little sun print makes me smile. Size down if you want it less oversized.", None),
        ("fleece-hoodie", "Cloud Hoodie",
         "I tested seven grey hoodies last winter (yes, really) and this was the only one that "
         "stayed fluffy inside after twenty washes. The hood actually keeps its shape too.", None),
        ("crewneck", "Dusty Rose Crewneck",
         "This colour is so flattering on everyone I've lent it to. It looks sweet over a "
         "collared shirt and cosy with leggings on a Sunday.", None),
        ("merino-beanie", "Merino Pompom Beanie",
         "My ears are sensitive to scratchy wool and this one is pure softness. The mustard "
         "brightens up every grey coat I own.", None),
        ("breton-top", "My Forever Breton Stripe",
         "A good Breton top is the secret to looking effortlessly French with zero effort. "
         "This one is thick, doesn't twist after washing, and the neckline is just right.", None),
        ("linen-shirt", "Holiday Linen Shirt",
         "I lived in this shirt for two weeks in Lisbon: over a swimsuit, with shorts, knotted "
         "at the waist with a skirt. It gets better with every wrinkle.", None),
        ("lounge-pants", "Wide-Leg Lounge Pants",
         "Pyjama comfort, dinner-out look. The drape is beautiful and the pockets are deep "
         "enough for a phone, which is rarer than it should be!", None),
        ("crossbody-bag", "Little Quilted Crossbody",
         "Hands-free but still cute. It fits exactly what I need for a coffee date and the "
         "sage shade goes with everything in this shop.", markup(50)),
        ("velvet-lipstick", "Velvet Matte Lipstick",
         "Matte lipsticks usually dry my lips out by lunchtime. Not this one. Rosewood is my "
         "everyday 'my lips but better' shade; Brick is for evenings.", None),
        ("lip-balm", "Tinted SPF Lip Balm",
         "One in every bag, one by the bed. The Peach tint is the softest wash of colour, and "
         "SPF on lips is the step everyone forgets.", None),
        ("hyaluronic-serum", "Glow Serum",
         "My skin is dry and easily irritated, and this is the serum that finally made it "
         "feel calm and bouncy. Pat it on damp skin, then moisturiser on top.", None),
        ("rosewater-mist", "Rosewater Mist",
         "I spritz this after make-up to melt the powder in, and on flights to feel human "
         "again. It smells like real roses, not perfume.", None),
    ],
    "collections": [
        ("Capsule wardrobe basics",
         "Ten minutes to get dressed? These mix and match with each other and with what you "
         "already own.",
         ["organic-tee", "boxy-tee", "breton-top", "linen-shirt", "lounge-pants", "crossbody-bag"]),
        ("Cosy season", "Soft layers for grey days.",
         ["fleece-hoodie", "crewneck", "merino-beanie"]),
        ("My everyday beauty bag", "The four things I'd save if my make-up bag were on fire.",
         ["velvet-lipstick", "lip-balm", "hyaluronic-serum", "rosewater-mist"]),
    ],
    "orders": [
        {"customer": customer("Olivia Chen", "olivia.chen@example.com", "+1 415 555 0132",
                              "218 Valencia Street", "San Francisco", "CA", "94103"),
         "lines": [("organic-tee", 1, 1), ("velvet-lipstick", 0, 1)], "status": "paid", "days_ago": 9},
        {"customer": customer("Grace Oyelaran", "grace.oyelaran@example.org", "+1 718 555 0164",
                              "455 7th Avenue", "Brooklyn", "NY", "11215", "Apt 4F"),
         "lines": [("fleece-hoodie", 1, 1), ("merino-beanie", 0, 1)], "status": "paid", "days_ago": 6},
        {"customer": customer("Priya Natarajan", "priya.n@example.com", "+1 206 555 0119",
                              "77 Harrison Street", "Seattle", "WA", "98109"),
         "lines": [("hyaluronic-serum", 0, 1), ("rosewater-mist", 0, 1), ("lip-balm", 2, 2)],
         "status": "paid", "days_ago": 3},
        {"customer": customer("Hannah Kowalski", "hannah.k@example.net", "+1 503 555 0187",
                              "3125 SE Belmont Street", "Portland", "OR", "97214"),
         "lines": [("breton-top", 1, 1)], "status": "pending", "days_ago": 1},
        {"customer": customer("Diego Alvarez", "diego.alvarez@example.com", "+1 512 555 0146",
                              "902 South 1st Street", "Austin", "TX", "78704"),
         "lines": [("boxy-tee", 2, 1), ("crossbody-bag", 0, 1)], "status": "pending", "days_ago": 0.2},
    ],
}

NORA = {
    "owner": "nora@flagship.example",
    "name": "Nora Writes",
    "subdomain": "nora",
    "bio": (
        "I write a weekly letter about slow mornings, good books and the small rituals that "
        "make a writing life possible. Readers kept asking about the mug in my photos, so here "
        "it is, with the other things on and around my desk. Every one has earned its place."
    ),
    "default_rule": markup(40),
    "listings": [
        ("speckled-mug", "The Writing Mug",
         "This is the mug from the newsletter photos. It holds exactly one long cup of coffee, "
         "which is exactly one good page. The speckles mean no two are alike.", fixed(1600)),
        ("fig-candle", "Fig & Cedar Desk Candle",
         "I light it when I sit down to write and blow it out when I'm done. It has become "
         "the signal to my brain that it's time to work. The scent is green and woody, never "
         "sweet.", fixed(1800)),
        ("coffee-beans", "Morning Pages Coffee",
         "A gentle, chocolatey coffee that doesn't shout. I grind a spoonful while the kettle "
         "boils; that three minutes is my favourite part of the day.", None),
        ("jasmine-tea", "Afternoon Jasmine Tea",
         "For the 3 p.m. slump, when coffee would keep me up. It tastes like opening a window "
         "in spring.", None),
        ("dark-chocolate", "One Square of Dark Chocolate",
         "My reward for every finished chapter: one square, no more (usually). Bright and "
         "fruity, it's the best bar I've found under five dollars.", None),
        ("linen-cushion", "Reading Chair Cushion",
         "The reading chair is where drafts go to be edited. This linen cover softened in a "
         "week and the rust colour glows in lamplight.", fixed(2200)),
        ("knit-throw", "The Big Knit Throw",
         "Heavy, soft and made for long winter evenings with a novel. Readers, I warn you: "
         "the cat will claim it.", None),
        ("ribbed-vase", "Three Stems Vase",
         "A few stems from the market and my desk feels like a room with a view. The ribbed "
         "glass throws lovely light on the page in the morning.", fixed(1600)),
        ("wildflower-honey", "Wildflower Honey",
         "A spoonful in the afternoon tea, a drizzle on toast. It tastes of a specific summer "
         "meadow, which is a very writerly thing to say, but true.", None),
        ("cookie-tin", "Brown Butter Cookies",
         "What I bring to every book club. The tin is now on my desk holding pencils, so "
         "that's two reasons to love it.", None),
    ],
    "collections": [
        ("The writing desk", "Everything within arm's reach while I write.",
         ["speckled-mug", "fig-candle", "coffee-beans", "jasmine-tea", "dark-chocolate"]),
        ("A slow Sunday", "For days with no deadline at all.",
         ["knit-throw", "linen-cushion", "ribbed-vase", "wildflower-honey", "cookie-tin"]),
    ],
    "orders": [
        {"customer": customer("Eleanor Whitaker", "eleanor.whitaker@example.com", "+1 617 555 0123",
                              "31 Pinckney Street", "Boston", "MA", "02114"),
         "lines": [("speckled-mug", 0, 2), ("coffee-beans", 0, 1)], "status": "paid", "days_ago": 8},
        {"customer": customer("Jonah Feld", "jonah.feld@example.org", "+1 773 555 0171",
                              "1440 North Wells Street", "Chicago", "IL", "60610", "Unit 3B"),
         "lines": [("fig-candle", 0, 1), ("dark-chocolate", 1, 1)], "status": "paid", "days_ago": 5},
        {"customer": customer("Sofia Marchetti", "sofia.marchetti@example.com", "+1 802 555 0109",
                              "12 Church Street", "Burlington", "VT", "05401"),
         "lines": [("knit-throw", 0, 1)], "status": "cancelled", "days_ago": 4},
        {"customer": customer("Ruth Adeyemi", "ruth.adeyemi@example.net", "+1 919 555 0158",
                              "508 Hillsborough Street", "Raleigh", "NC", "27603"),
         "lines": [("jasmine-tea", 1, 1), ("wildflower-honey", 0, 1), ("cookie-tin", 0, 1)],
         "status": "pending", "days_ago": 0.5},
    ],
}

MAPLE = {
    "owner": "maple@flagship.example",
    "name": "Maple Street Market",
    "subdomain": "maple",
    "bio": (
        "Neighbours on Maple Street and around: I'm Linda from number 42. Every week I pick "
        "everyday goods worth buying, we order together, and it all arrives at your door. I "
        "keep my markup small because this is about good food and fair prices for our street, "
        "not getting rich. Questions? Knock on my door!"
    ),
    "default_rule": markup(25),
    "listings": [
        ("sea-salt-crisps", "Sea Salt Crisps",
         "The crisps the kids fight over at every street party. The box of 12 works out much "
         "cheaper than the supermarket, so I always keep one in the pantry.", None),
        ("bbq-crisps", "Smoky BBQ Crisps",
         "For the grown-ups: smoky, a little sweet, with a kick at the end. Mr. Patel at "
         "number 17 orders a box every month.", None),
        ("honey-granola", "Honey Granola",
         "Big crunchy clusters and no refined sugar. My grandkids eat it straight from the "
         "jar, which tells you everything.", None),
        ("dark-chocolate", "Dark Chocolate Bar",
         "Proper chocolate at a fair price. Buy the five-bar bundle and share with the "
         "neighbours, or don't, I won't tell.", None),
        ("mixed-nuts", "Roasted Mixed Nuts",
         "Lightly salted and fresh, not like the sad dusty ones. The big pouch lasts our "
         "household two weeks.", None),
        ("dried-mango", "Dried Mango",
         "Nothing added, and the children think it's sweets. Great for lunch boxes; the "
         "six-pack is the best deal.", None),
        ("wildflower-honey", "Local Wildflower Honey",
         "From small hives in Vermont. Raw honey like this is the first thing I reach for "
         "when someone on the street has a sore throat.", None),
        ("coffee-beans", "Colombian Coffee Beans",
         "We did a blind tasting at the community centre and this won by a mile. Smooth, not "
         "bitter, and it makes a great pot for a crowd.", None),
        ("jasmine-tea", "Jasmine Green Tea",
         "Mrs. Wong recommended it and she's never wrong about tea. Lovely after dinner.", None),
        ("waffle-towels", "Waffle Towel Set",
         "They dry fast, even in our damp basement bathrooms, and they still look new after "
         "a year of washing.", None),
        ("nesting-bowls", "Nesting Bowls",
         "Three sizes that stack into one. I use the big one for every potluck salad.", None),
        ("glass-carafe", "Bedside Water Carafe",
         "A glass of water at night without a plastic bottle. A lovely small gift for a new "
         "neighbour, too.", None),
    ],
    "collections": [
        ("Pantry staples", "What most of our households order every week.",
         ["sea-salt-crisps", "honey-granola", "mixed-nuts", "dried-mango", "coffee-beans"]),
        ("Treats to share", "For street parties, book clubs and Friday nights.",
         ["bbq-crisps", "dark-chocolate", "wildflower-honey", "jasmine-tea"]),
        ("Home basics", "Useful things that last.", ["waffle-towels", "nesting-bowls", "glass-carafe"]),
    ],
    "orders": [
        {"customer": customer("Tom Becker", "tom.becker@example.com", "+1 608 555 0131",
                              "17 Maple Street", "Madison", "WI", "53703"),
         "lines": [("sea-salt-crisps", 1, 1), ("bbq-crisps", 0, 3)], "status": "paid", "days_ago": 7},
        {"customer": customer("Aisha Rahman", "aisha.rahman@example.org", "+1 608 555 0148",
                              "23 Maple Street", "Madison", "WI", "53703"),
         "lines": [("honey-granola", 1, 1), ("dried-mango", 1, 1), ("mixed-nuts", 1, 1)],
         "status": "paid", "days_ago": 7},
        {"customer": customer("Walter Nguyen", "walter.nguyen@example.com", "+1 608 555 0162",
                              "8 Maple Street", "Madison", "WI", "53703"),
         "lines": [("coffee-beans", 0, 2), ("waffle-towels", 1, 1)], "status": "paid", "days_ago": 2},
        {"customer": customer("Carmen Diaz", "carmen.diaz@example.net", "+1 608 555 0175",
                              "30 Maple Street", "Madison", "WI", "53703"),
         "lines": [("dark-chocolate", 1, 1), ("jasmine-tea", 0, 2)], "status": "pending", "days_ago": 1},
        {"customer": customer("Bill Okonkwo", "bill.okonkwo@example.com", "+1 608 555 0189",
                              "5 Linden Avenue", "Madison", "WI", "53705"),
         "lines": [("nesting-bowls", 1, 1), ("glass-carafe", 0, 1), ("wildflower-honey", 1, 1)],
         "status": "pending", "days_ago": 0.1},
    ],
}

LIN = {
    "owner": "lin@flagship.example",
    "name": "阿林的茶与生活",
    "subdomain": "lin",
    "currency": "CNY",
    "language": "zh",
    "timezone": "Asia/Shanghai",
    "bio": (
        "我是阿林，在昆明做了八年茶，也在小红书分享喝茶和慢生活。这里只放我自己每天在喝、在吃、"
        "在用的东西，都是云南山里的好物，直接从茶园和合作社发货给你。有问题随时私信我！"
    ),
    "default_rule": markup(40),
    "listings": [
        ("yl-jasmine-tea", "明前茉莉银针",
         "每年春天我都会去茶园看窨花，七窨的茉莉香是真的不一样：不冲、不闷，第三泡还有花香。"
         "\n\n冲泡小建议：玻璃杯下投，85 ℃ 的水，看芽尖一根根立起来，特别治愈。", None),
        ("yl-coffee-beans", "保山小粒咖啡",
         "很多人不知道云南也产好咖啡！这款是我试了十几家之后留下来的，手冲有坚果和红糖的甜感，"
         "做拿铁也很香。", None),
        ("yl-wildflower-honey", "哀牢山土蜂蜜",
         "蜂农老周家的蜜，一年只取两次。冬天结晶是正常的，说明没有掺糖浆。", None),
        ("yl-dried-mango", "不加糖的芒果干",
         "我家小朋友的零食柜常备款，厚切有嚼劲，只有芒果本身的甜。", None),
        ("yl-mixed-nuts", "每日坚果",
         "办公室抽屉里放一盒，下午饿了来一包，比奶茶健康多了。", None),
        ("yl-speckled-mug", "粗陶品茗杯",
         "建水紫陶，拿在手里很温润。我的茶桌上三个颜色都有，朋友来了一人一只。", None),
    ],
    "collections": [
        ("每日一杯", "早上一杯咖啡，下午一壶茶。", ["yl-jasmine-tea", "yl-coffee-beans", "yl-speckled-mug"]),
        ("山里的零食", "给孩子和办公室的健康零食。", ["yl-dried-mango", "yl-mixed-nuts", "yl-wildflower-honey"]),
    ],
    "orders": [
        {"customer": kunming("王小雨", "xiaoyu.wang@example.com", "+86 138 0000 1234", "五华区翠湖南路 12 号"),
         "lines": [("yl-jasmine-tea", 0, 2), ("yl-speckled-mug", 1, 1)], "status": "paid", "days_ago": 6},
        {"customer": kunming("陈静", "chen.jing@example.com", "+86 139 0000 5678", "盘龙区北京路 88 号"),
         "lines": [("yl-coffee-beans", 0, 1), ("yl-mixed-nuts", 0, 1)], "status": "paid", "days_ago": 3},
        {"customer": kunming("刘洋", "liu.yang@example.com", "+86 137 0000 9012", "西山区滇池路 7 号"),
         "lines": [("yl-dried-mango", 1, 1), ("yl-wildflower-honey", 0, 1)], "status": "pending",
         "days_ago": 0.5},
    ],
}

SHOPS = (MIA, NORA, MAPLE, LIN)
