"""The emulator's wire decoding and search language, directly."""

import pytest

from ireti_till.training.params import Params, created_filter, merge_metadata
from ireti_till.training.search import compile_query
from ireti_till.training.wire import ApiError, decode_form, parse_qs_pairs


def test_nested_keys_lists_and_appends():
    pairs = parse_qs_pairs("amount=5&metadata[a]=1&metadata[b]=&types[0]=x&types[1]=y"
                           "&cart[line_items][0][amount]=2&cart[line_items][1][amount]=3"
                           "&expand[]=p&expand[]=q")
    assert decode_form(pairs) == {
        "amount": "5", "metadata": {"a": "1", "b": ""}, "types": ["x", "y"],
        "cart": {"line_items": [{"amount": "2"}, {"amount": "3"}]}, "expand": ["p", "q"]}


@pytest.mark.parametrize("pairs", [[("a[b", "1")], [("a", "1"), ("a[b]", "2")],
                                   [("a[b]", "1"), ("a", "2")]])
def test_malformed_keys_are_400(pairs):
    with pytest.raises(ApiError) as caught:
        decode_form(pairs)
    assert caught.value.status == 400 and not caught.value.saved


def test_params_and_metadata_rules():
    p = Params({"amount": "12", "flag": "true", "metadata": {"k": "v"}}, ["amount", "flag",
                                                                           "metadata"])
    assert (p.int_("amount"), p.bool_("flag"), p.metadata()) == (12, True, {"k": "v"})
    with pytest.raises(ApiError):
        Params({"metadata": {"k" * 41: "v"}}, ["metadata"]).metadata()
    with pytest.raises(ApiError):
        Params({"flag": "yes"}, ["flag"]).bool_("flag")
    assert merge_metadata({"a": "1", "b": "2"}, {"a": "", "c": "3"}) == {"b": "2", "c": "3"}
    assert merge_metadata({"a": "1"}, {}) == {}
    gt, gte, lt, lte = created_filter(Params({"created": {"gte": "5", "lt": "9"}}, ["created"]))
    assert (gt, gte, lt, lte) == (None, 5, 9, None)


def test_search_language():
    pi = {"status": "requires_capture", "amount": 500, "created": 100,
          "metadata": {"sale_id": "s1", "till": "7"}}
    assert compile_query("metadata['sale_id']:'s1'")(pi)
    assert compile_query('metadata["till"]:"7" AND status:\'requires_capture\'')(pi)
    assert not compile_query("metadata['sale_id']:'s2'")(pi)
    assert compile_query("amount>499 AND created<=100")(pi)
    assert compile_query("status:'canceled' OR amount>=500")(pi)
    assert compile_query("-status:'canceled'")(pi)
    for bad in ("", "status:'a' AND amount>1 OR amount<2", "whatever"):
        with pytest.raises(ApiError):
            compile_query(bad)
