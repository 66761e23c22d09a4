"""Each demo shop's theme: the theme made for its kind of owner, with settings and
homepage sections, saved and published through the theme editor's own services."""

from __future__ import annotations

from app.shops import theme_services

THEMES = {
    "mia": {
        "theme": "boutique",
        "settings": {"announcement": "Free shipping on every order · pay on delivery"},
        "sections": [
            ("hero", {"heading": "The spring edit", "button_label": "Shop the edit",
                      "button_collection": "capsule-wardrobe-basics", "height": "large", "alignment": "left",
                      "text": "The pieces I wear on repeat and the few products that never leave my "
                              "make-up bag. Nothing here is sponsored — I just love it."}),
            ("featured_collection", {"collection": "capsule-wardrobe-basics", "limit": 3}),
            ("collection_list", {"heading": "Shop by edit"}),
            ("testimonials", {"heading": "From the comments",
                              "quote_1": "The organic tee is everything Mia said. I bought a second one a week later.",
                              "author_1": "Olivia, San Francisco",
                              "quote_2": "Finally a matte lipstick that doesn’t dry my lips. Rosewood forever.",
                              "author_2": "Priya, Seattle",
                              "quote_3": "Arrived in three days and the hoodie is even softer in person.",
                              "author_3": "Grace, Brooklyn"}),
            ("featured_collection", {"collection": "my-everyday-beauty-bag", "heading": "In my make-up bag", "limit": 4}),
            ("product_grid", {"heading": "Everything I love"}),
            ("newsletter", {"heading": "First look, every drop", "button_label": "Join",
                            "text": "New picks, restocks and honest reviews — before I post them."}),
        ],
    },
    "nora": {
        "theme": "journal",
        "settings": {"tagline": "Letters on slow mornings, good books & small rituals"},
        "sections": [
            ("hero", {"heading": "Things on my desk", "button_label": "Browse the shelf"}),
            ("featured_collection", {"collection": "the-writing-desk", "limit": 4}),
            ("rich_text", {"heading": "Why a shop?",
                           "body": "<p>Every week someone writes back to ask about the mug in the photo, or the "
                                   "candle I light before I start. This is the answer: a short shelf of things I "
                                   "use <em>every</em> day, each with the reason it earned its place.</p>"
                                   "<p>Nothing is sponsored. If I stop using something, it leaves the shelf.</p>"}),
            ("product_grid", {"heading": "The whole shelf"}),
            ("newsletter", {"heading": "Get the Sunday letter", "button_label": "Subscribe",
                            "text": "One email a week: an essay, a book I loved, and the odd new find for the shelf."}),
            ("about", {"heading": "About the writer",
                       "body": "<p>I’m Nora. I write a weekly letter about slow mornings, good books and the "
                               "rituals that make a writing life possible — read by a few thousand kind people.</p>"}),
        ],
    },
    "maple": {
        "theme": "market",
        "settings": {"delivery_note": "Order by Thursday 8 pm · delivered to your door on Saturday"},
        "sections": [
            ("hero", {"heading": "This week on Maple Street", "height": "small", "alignment": "left", "button_label": ""}),
            ("featured_collection", {"collection": "pantry-staples", "heading": "Pantry staples", "limit": 6,
                                     "show_description": False}),
            ("product_grid", {"heading": "Everything this week"}),
            ("testimonials", {"heading": "Neighbours say",
                              "quote_1": "Linda’s honey is the best I’ve had, and it comes to my door on Saturday.",
                              "author_1": "Sam, number 17",
                              "quote_2": "I order the crisps for every street party. Cheaper than the shop, too.",
                              "author_2": "Ayo, Birch Road"}),
        ],
    },
}


def apply_demo_theme(shop) -> None:
    """Configure and publish the shop's demo theme (inside its tenancy scope)."""
    spec = THEMES.get(shop.subdomain)
    if spec is None:
        return
    name = spec["theme"]
    theme = theme_services.theme_package(name)
    config = theme_services.config_for_edit(name)
    # Unnamed values keep their defaults (a form post would send every field).
    theme_services.save_draft_settings(name, theme.defaults() | spec["settings"])
    config.draft_sections = []
    for section_type, settings in spec["sections"]:
        section = theme_services.add_section(name, section_type)
        defaults = theme.sections[section_type].defaults()
        theme_services.save_section_settings(name, section["key"], defaults | settings)
    theme_services.publish_theme(shop, name)
