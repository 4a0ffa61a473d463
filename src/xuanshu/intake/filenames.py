"""A file's name as the sender's client gave it, without the directory path some clients put in front of it."""
import re

# A directory of a real path: no character that Windows forbids in a path part (a name such as "<b>setup</b>.exe" is
# markup in a name, not a directory "<b>setup<"). A Windows drive ("C:") may only open the path.
_DIRECTORY = re.compile(r'[^<>:"|?*]+')
_DRIVE = re.compile(r"[A-Za-z]:")


def name_without_path(name: str) -> str:
    """`name` with a leading directory path removed when it really is one (C:\\Users\\x\\a.jpg, /home/x/a.jpg,
    ..\\docs/a.pdf); any other name, slashes and brackets included, as it was sent."""
    parts = re.split(r"[\\/]", name)
    if len(parts) == 1 or not parts[-1].strip():
        return name
    directories = parts[:-1]
    if _DRIVE.fullmatch(directories[0]):
        directories = directories[1:]
    while directories and directories[0] == "":  # /home/…, \\server\share\…
        directories = directories[1:]
    if all(_DIRECTORY.fullmatch(directory) for directory in directories):
        return parts[-1]
    return name
