"""The one-for-one fold that every message goes through before extraction."""
import unicodedata

from xuanshu.nominations.extraction.text import _FOLD_TABLE, _one_for_one


def test_full_width_forms_fold_and_list_numbers_stay_as_written():
    assert _one_for_one("推荐以下两位①马文清②孟凡荣，电话：１３８ ００００ ０００１") == "推荐以下两位①马文清②孟凡荣,电话:138 0000 0001"


def test_a_character_nfkc_widens_stays_itself_so_positions_line_up():
    # ㎡ folds to "m2" and ﬁ to "fi": two characters, so each is kept as written, one character for one.
    text = "面积120㎡，ﬁ"
    assert _one_for_one(text) == "面积120㎡,ﬁ"
    assert len(_one_for_one(text)) == len(text)


def test_the_fold_table_folds_each_character_as_nfkc_does_unless_it_widens_or_numbers_a_list():
    characters = [chr(code) for code in range(0x20, 0x3100)]
    list_numbers = {chr(code) for first, last in ((0x2460, 0x249B), (0x24EB, 0x24FF), (0x2776, 0x2793))
                    for code in range(first, last + 1)}
    expected = []
    for ch in characters:
        folded = unicodedata.normalize("NFKC", ch)
        expected.append(ch if ch in list_numbers or len(folded) != 1 else folded)
    assert "".join(characters).translate(_FOLD_TABLE) == "".join(expected)
