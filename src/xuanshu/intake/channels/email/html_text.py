"""HTML-only e-mail bodies as plain text, with the stdlib HTML parser (no rendering, no network)."""
import re
from html.parser import HTMLParser

_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
_INVISIBLE = {"head", "script", "style", "template", "title"}


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in _INVISIBLE:
            self.hidden_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        if tag in _BLOCKS:
            self.chunks.append("\n")
        if tag == "li":
            self.chunks.append("- ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if tag in _INVISIBLE:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in _BLOCKS and tag != "br":
            self.chunks.append("\n")

    def handle_data(self, data):
        if self.hidden_depth:
            return
        self.chunks.append(data if self.pre_depth else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML document: blocks become lines, scripts and styles are dropped."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.chunks).replace("\xa0", " ")
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
