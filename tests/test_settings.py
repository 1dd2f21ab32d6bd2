"""Settings: validation, hashing, and the URL round trip that restores a view from a link."""

import pytest

from her2dash.settings import Settings


def test_defaults_are_the_papers_definition():
    s = Settings()
    assert (s.rule, s.cutoff_pct, s.positivity, s.min_fragments, s.max_fragments) == (
        "every-fragment", 100.0, "2+", 1, None)
    assert s.to_query_params() == {}


def test_equal_settings_hash_equal_whatever_the_filter_order():
    a = Settings().with_filter("platinum", ("yes",)).with_filter("sex", ("M", "F"))
    b = Settings().with_filter("sex", ("F", "M")).with_filter("platinum", ("yes",))
    assert a == b and hash(a) == hash(b)
    assert a.with_filter("sex", None) == Settings().with_filter("platinum", ("yes",))


@pytest.mark.parametrize("settings", [
    Settings(cutoff_pct=50.0),
    Settings(rule="pooled", cutoff_pct=79.5, positivity="3+"),
    Settings(rule="fragment-share", min_fragments=2, max_fragments=6, endpoint="os"),
    Settings(max_fragments=4).with_filter("platinum", ("yes",)).with_filter("sex", ("F", "M")),
    Settings(conf_level=0.9),
    Settings(conf_type="log-log", cox_covariates=("ecog", "sex", "age_group")),
    Settings(cox_covariates=()),
], ids=["cutoff", "pooled-3plus", "share-window-os", "filters", "level", "band-covariates",
        "unadjusted"])
def test_query_params_round_trip(settings):
    params = settings.to_query_params()
    assert all(isinstance(v, str) for v in params.values())
    restored, ignored = Settings.from_query_params(params)
    assert restored == settings and ignored == []


def test_bad_link_values_are_ignored_one_by_one_with_a_reason():
    restored, ignored = Settings.from_query_params(
        {"cutoff_pct": "150", "rule": "pooled", "min_fragments": "x", "utm_source": "mail"})
    assert restored == Settings(rule="pooled")
    assert len(ignored) == 2
    assert "cutoff_pct='150' ignored: cutoff_pct must be between 0 and 100" in ignored[0]
    assert ignored[1].startswith("min_fragments='x' ignored")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rule": "majority"}, "rule must be one of every-fragment, pooled, fragment-share"),
    ({"cutoff_pct": -1.0}, "cutoff_pct must be between 0 and 100"),
    ({"positivity": "1+"}, "positivity must be '2+' (2+/3+) or '3+'"),
    ({"min_fragments": 0}, "min_fragments must be an integer ≥ 1"),
    ({"min_fragments": 3, "max_fragments": 2}, "max_fragments must be an integer ≥ min_fragments"),
])
def test_invalid_settings_say_why(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("+", r"\+")):
        Settings(**kwargs)
