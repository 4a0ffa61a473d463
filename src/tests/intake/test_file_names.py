"""A file's name as the sender's client gave it: only a real leading directory path is removed."""
import pytest

from xuanshu.intake.filenames import name_without_path


@pytest.mark.parametrize(("sent", "shown"), [
    ("<b>setup</b>.exe", "<b>setup</b>.exe"),  # markup, not a directory "<b>setup<"
    ("a<i>/b</i>.jpg", "a<i>/b</i>.jpg"),
    ("C:\\Users\\x\\a.jpg", "a.jpg"),
    ("c:/Users/x/a.jpg", "a.jpg"),
    ("/home/x/a.jpg", "a.jpg"),
    ("\\\\server\\share\\材料.pdf", "材料.pdf"),
    ("..\\..\\etc/passwd.pdf", "passwd.pdf"),
    ("事迹材料.pdf", "事迹材料.pdf"),
    ("photo/", "photo/"),  # no name after the path: kept as sent rather than emptied
])
def test_only_a_real_leading_path_is_removed(sent, shown):
    assert name_without_path(sent) == shown
