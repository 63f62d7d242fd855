"""units.py: times as text, seconds or Brian2 quantities; stored SI values back as Brian2 quantities."""
import pytest
from brian2 import Hz, amp, kHz, metre, ms, mV, second, siemens, us

from simnet.base.errors import UsageError
from simnet.base.units import as_seconds, from_si, is_quantity, si_value


@pytest.mark.parametrize("value, seconds", [("1s", 1.0), ("500ms", 0.5), (0.25, 0.25), (2, 2.0),
                                            (200 * ms, 0.2), (1 * second, 1.0), (150 * us, 1.5e-4)])
def test_a_time_is_read_from_text_numbers_and_quantities(value, seconds):
    assert as_seconds(value, "duration") == pytest.approx(seconds)


@pytest.mark.parametrize("value, message", [(5 * mV, "must be a time such as 500\\*ms"),
                                            (3 * Hz, "must be a time"),
                                            ([1, 2] * ms, "a single value"),
                                            (-1 * ms, "must be positive"),
                                            (True, "must be a time"),
                                            ("1 parsec", "is not a time")])
def test_a_wrong_time_is_one_usage_error_naming_the_parameter(value, message):
    with pytest.raises(UsageError, match=message) as raised:
        as_seconds(value, "duration")
    assert raised.value.parameter == "duration"


def test_zero_is_allowed_only_where_asked():
    assert as_seconds(0 * ms, "pre_run", allow_zero=True) == 0.0
    with pytest.raises(UsageError, match="positive"):
        as_seconds(0 * ms, "duration")


def test_si_value_converts_a_rate_and_refuses_another_dimension():
    assert si_value(2 * kHz, "hertz", "rate", "a rate") == pytest.approx(2000.0)
    with pytest.raises(UsageError, match="rate must be a rate"):
        si_value(2 * ms, "hertz", "rate", "a rate")
    assert is_quantity(2 * ms) and not is_quantity(2.0) and not is_quantity("2ms")


@pytest.mark.parametrize("quantity", [200e-12 * siemens / mV, 3 * siemens / metre ** 2, 5 * amp, 1 * mV ** 2])
def test_a_stored_value_and_unit_come_back_as_the_same_quantity(quantity):
    from brian2.units.fundamentalunits import get_unit

    back = from_si(float(quantity / get_unit(quantity.dim)), str(get_unit(quantity.dim)))
    assert back.dim == quantity.dim and float(back / get_unit(quantity.dim)) == pytest.approx(
        float(quantity / get_unit(quantity.dim)))
    assert from_si(4.0, "") == 4.0 and from_si("classic", "") == "classic"


@pytest.mark.parametrize("unit, expected", [("S/(m^2)", 3 * siemens / metre ** 2),
                                            ("m^-4 kg^-1 s^3 A^2", 3 * siemens / metre ** 2),
                                            ("V^2", 3 * (1000 * mV) ** 2)])
def test_a_unit_in_either_of_brian2s_notations_is_read(unit, expected):
    """Brian2 prints a unit as a quotient or as powers of base units, depending on the units it has met."""
    value = from_si(3.0, unit)
    assert value.dim == expected.dim and float(value) == pytest.approx(float(expected))


@pytest.mark.parametrize("unit", ["__import__", "m^x", "open(1)", "S/("])
def test_anything_but_a_unit_expression_is_refused(unit):
    with pytest.raises(UsageError, match="unknown unit"):
        from_si(1.0, unit)
