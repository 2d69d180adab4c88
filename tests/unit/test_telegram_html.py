"""Telegram HTML parse mode as the double applies it: plain text, entities and errors."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sandbox.telegram_html import (
    Entity,
    HtmlParseError,
    UnsupportedParseModeError,
    html_to_text,
    parse_html,
    parse_text,
    utf16_len,
)


def test_nested_tags_give_plain_text_and_entities():
    parsed = parse_html("<b>bold <i>both</i></b> plain <u>under</u>")
    assert parsed.text == "bold both plain under"
    assert parsed.entities == (
        Entity("bold", 0, 9),
        Entity("italic", 5, 4),
        Entity("underline", 16, 5),
    )


def test_every_supported_tag_is_accepted():
    source = (
        "<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins><s>g</s>"
        "<strike>h</strike><del>i</del><code>j</code><pre>k</pre><tg-spoiler>l</tg-spoiler>"
        '<span class="tg-spoiler">m</span><blockquote>n</blockquote>'
        '<a href="https://example.com">o</a><tg-emoji emoji-id="5368324170671202286">p</tg-emoji>'
    )
    parsed = parse_html(source)
    assert parsed.text == "abcdefghijklmnop"
    kinds = [entity.type for entity in parsed.entities]
    assert kinds == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "code",
        "pre",
        "spoiler",
        "spoiler",
        "blockquote",
        "text_link",
        "custom_emoji",
    ]
    assert parsed.entities[-1].custom_emoji_id == "5368324170671202286"


def test_character_references_are_decoded():
    parsed = parse_html("&lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42; &#128512;")
    assert parsed.text == '<tag> & "q" AB 😀'


def test_tags_are_case_insensitive_and_empty_end_tag_closes_the_open_one():
    assert parse_html("<B>x</B> <i>y</>").entities == (Entity("bold", 0, 1), Entity("italic", 2, 1))


def test_pre_with_language_takes_the_nested_code_class():
    parsed = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert parsed.entities == (Entity("pre", 0, 5, language="python"),)


def test_link_keeps_raw_ampersand_in_href_and_drops_bad_schemes():
    parsed = parse_html(
        '<a href="https://example.com/?a=1&b=2">go</a> <a href="javascript:x()">no</a>'
    )
    assert parsed.text == "go no"
    assert parsed.entities == (Entity("text_link", 0, 2, url="https://example.com/?a=1&b=2"),)


def test_expandable_blockquote():
    parsed = parse_html("<blockquote expandable>quote</blockquote>")
    assert parsed.entities == (Entity("expandable_blockquote", 0, 5),)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("hi <x>there</x>", 'Unsupported start tag "x" at byte offset 3'),
        ("é <div>", 'Unsupported start tag "div" at byte offset 3'),  # é is two bytes
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("text <b", "Unclosed start tag at byte offset 5"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        (
            '<span class="other">x</span>',
            'Tag "span" must have class "tg-spoiler" at byte offset 0',
        ),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<b foo>x</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
    ],
)
def test_invalid_markup_is_rejected_with_telegrams_wording(source: str, message: str):
    with pytest.raises(HtmlParseError) as error:
        parse_html(source)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("source", ["Tom & Jerry", "a &nbsp; b", "&#0;", "&"])
def test_bare_ampersand_is_rejected_by_default(source: str):
    with pytest.raises(HtmlParseError, match="escape it as"):
        parse_html(source)


def test_bare_ampersand_is_kept_when_lenient_like_telegram():
    assert parse_html("Tom & Jerry &nbsp;", strict_ampersand=False).text == "Tom & Jerry &nbsp;"


def test_bare_greater_than_is_fine():
    assert html_to_text("a > b") == "a > b"


def test_length_is_counted_after_parsing_in_utf16_units():
    parsed = parse_html("<b>" + "a" * 4096 + "</b>")
    assert parsed.length == 4096
    assert utf16_len("😀a") == 3
    assert parse_html("<i>😀</i>").entities == (Entity("italic", 0, 2),)


def test_leading_and_trailing_whitespace_is_trimmed_and_entities_follow():
    parsed = parse_html("\n  <b> hi </b> there\n")
    assert parsed.text == "hi  there"
    assert parsed.entities == (Entity("bold", 0, 3),)  # "hi " after the leading space went
    assert parse_html("  <b> </b> ").text == ""


def test_empty_tags_make_no_entities():
    assert parse_html("a<b></b>b").entities == ()


def test_parse_text_dispatches_on_parse_mode():
    assert parse_text("  <b>x</b> ", None).text == "<b>x</b>"
    assert parse_text("<b>x</b>", "html").text == "x"
    with pytest.raises(UnsupportedParseModeError, match="not implemented"):
        parse_text("*x*", "MarkdownV2")
    with pytest.raises(UnsupportedParseModeError, match="unsupported parse_mode"):
        parse_text("x", "bogus")


@given(st.text())
def test_escaped_text_round_trips(text: str):
    assert parse_html(html.escape(text)).text == text.strip()


_PIECES = (
    *("<b>", "</b>", "<i>", "</i>", "<pre>", "</pre>", '<code class="language-py">', "</code>"),
    *("<a href='https://x.io'>", "</a>", "<blockquote expandable>", "</blockquote>", "</>"),
    *("&amp;", "&lt;", "&#128512;", "&", "<", ">", " ", "\n", "a", "é", "😀", "<x>", '"'),
)
_MARKUP = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@given(_MARKUP)
def test_any_markup_parses_or_fails_cleanly(source: str):
    try:
        parsed = parse_html(source, strict_ampersand=False)
    except HtmlParseError:
        return
    limit = utf16_len(parsed.text)
    assert parsed.text == parsed.text.strip()
    for entity in parsed.entities:
        assert 0 <= entity.offset < entity.offset + entity.length <= limit
