"""A file's name as the sender's client gave it: only a real leading directory path is removed."""
import pytest

from xuanshu.intake.filenames import name_without_path
from xuanshu.intake.models import InboundFile, RefusedFile


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


@pytest.mark.parametrize(("name", "shown"), [
    ("录音6222-0212-3456-7890.amr", "录音6222-****-****-7890.amr"),
    ("捐款卡 6222 0212 3456 7890 123.pdf", "捐款卡 6222 **** **** ***0 123.pdf"),
    ("身份证370102199001011234.jpg", "身份证3701**********1234.jpg"),
    ("录音13812345678.mp3", "录音138****5678.mp3"),
])
def test_a_kept_or_refused_files_title_masks_its_name_as_the_console_does(name, shown):
    # Django admin's titles and breadcrumbs: a card in groups was masked as a landline, part of it shown.
    assert (str(InboundFile(original_name=name)), str(RefusedFile(original_name=name))) == (shown, shown)
