"""One picker per option (app/shops/option_pickers.py): built from the variants' options, a
value with nothing to buy after the values chosen before it is disabled and says why, and
variants that options cannot tell apart keep the plain list."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.shops.option_pickers import AVAILABLE, SOLD_OUT, UNAVAILABLE, variant_choice


@dataclass
class Variant:
    id: int
    options: dict = field(default_factory=dict)
    stock: int = 5

    @property
    def label(self):
        return " / ".join(self.options.values())


@dataclass
class Row:
    variant: Variant
    price: int = 1800


def _rows(*specs):
    return [Row(Variant(n, dict(zip(("size", "colour"), spec[:2], strict=True)), spec[2]))
            for n, spec in enumerate(specs, start=1)]


TEE = _rows(("S", "Red", 4), ("M", "Red", 9), ("S", "Blue", 7), ("M", "Blue", 0), ("L", "Red", 2))


def _states(choice):
    return [{value.value: value.state for value in picker.values} for picker in choice.pickers]


def test_one_picker_per_option_in_the_suppliers_order():
    choice = variant_choice(TEE, for_sale=True)
    assert [p.label for p in choice.pickers] == ["Size", "Colour"] and choice.option_names == ("Size", "Colour")
    assert [[v.value for v in p.values] for p in choice.pickers] == [["S", "M", "L"], ["Red", "Blue"]]
    assert choice.default_id == 1 and [o.values for o in choice.offers][:2] == [("S", "Red"), ("M", "Red")]
    assert [[v.value for v in p.values if v.checked] for p in choice.pickers] == [["S"], ["Red"]]


def test_a_sold_out_or_missing_combination_is_disabled_and_says_why():
    # Opened on M / Red: in M, blue is sold out. Every size has something left.
    choice = variant_choice(TEE, for_sale=True, chosen_id=2)
    assert choice.default_id == 2
    assert _states(choice) == [{"S": AVAILABLE, "M": AVAILABLE, "L": AVAILABLE}, {"Red": AVAILABLE, "Blue": SOLD_OUT}]
    blue = choice.pickers[1].values[1]
    assert blue.disabled and blue.note == "Sold out"
    # Opened on L / Red: there is no blue L at all.
    choice = variant_choice(TEE, for_sale=True, chosen_id=5)
    assert _states(choice)[1] == {"Red": AVAILABLE, "Blue": UNAVAILABLE}
    assert choice.pickers[1].values[1].note == "Unavailable"


def test_the_first_option_is_never_greyed_out_by_a_later_one():
    # Opened on S / Blue: M is still open (M / Red is in stock), though M / Blue is sold out.
    choice = variant_choice(TEE, for_sale=True, chosen_id=3)
    assert _states(choice)[0] == {"S": AVAILABLE, "M": AVAILABLE, "L": AVAILABLE}


def test_a_sold_out_choice_opens_on_the_first_in_stock_and_a_sold_out_value_is_disabled():
    assert variant_choice(TEE, for_sale=True, chosen_id=4).default_id == 1
    rows = _rows(("S", "Red", 0), ("M", "Red", 3), ("S", "Blue", 0))
    choice = variant_choice(rows, for_sale=True)
    assert choice.default_id == 2 and _states(choice)[0] == {"S": SOLD_OUT, "M": AVAILABLE}
    assert [o.stock_label for o in choice.offers] == ["Sold out", "Only 3 left", "Sold out"]


def test_nothing_for_sale_disables_everything():
    choice = variant_choice(TEE, for_sale=False)
    assert choice.default_id is None and all(o.stock == 0 for o in choice.offers)
    assert {state for picker in _states(choice) for state in picker.values()} == {SOLD_OUT}


def test_variants_options_cannot_tell_apart_keep_the_plain_list():
    no_options = [Row(Variant(1)), Row(Variant(2))]
    uneven = [Row(Variant(1, {"size": "S"})), Row(Variant(2, {"colour": "Red"}))]
    blank = [Row(Variant(1, {"size": "S"})), Row(Variant(2, {"size": " "}))]
    twins = [Row(Variant(1, {"size": "S"})), Row(Variant(2, {"size": "S"}))]
    single = [Row(Variant(1, {"size": "100 ml"}))]
    for rows in (no_options, uneven, blank, twins, single):
        choice = variant_choice(rows, for_sale=True)
        assert choice.pickers == () and choice.default_id == 1
