"""The zh and de catalogues are complete, and no user-visible text escapes translation."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.checkers import python_format
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "eventapp" / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "lazy_gettext": None,
    "_l": None,
    "ngettext": (1, 2),
    "lazy_ngettext": (1, 2),
    "plural_forms": (1, 2),
}


def extracted_messages() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds now, so a new string without a
    translation fails here rather than showing English on a Chinese page."""
    method_map = [
        ("eventapp/**.py", "python"),
        ("eventapp/templates/**.html", "jinja2"),
        ("eventapp/templates/**.txt", "jinja2"),
    ]
    jinja = {"extensions": "jinja2.ext.do", "silent": "false"}
    options_map = {"eventapp/templates/**.html": jinja, "eventapp/templates/**.txt": jinja}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def read_catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


@pytest.mark.parametrize("language", ["zh", "de"])
def test_catalogue_translates_every_message_and_nothing_is_fuzzy(language):
    catalogue = read_catalogue(language)
    missing, fuzzy, empty = [], [], []
    for msgid in sorted(extracted_messages()):
        message = catalogue.get(msgid)
        if message is None:
            missing.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
        elif not all(message.string) if isinstance(message.string, tuple) else not message.string:
            empty.append(msgid)
    assert not missing, f"{language}: not in the catalogue (run pybabel update): {missing}"
    assert not fuzzy, f"{language}: fuzzy translations: {fuzzy}"
    assert not empty, f"{language}: untranslated: {empty}"


@pytest.mark.parametrize("language", ["zh", "de"])
def test_translations_keep_every_placeholder(language):
    catalogue = read_catalogue(language)
    for message in catalogue:
        if message.id and message.string:
            python_format(catalogue, message)  # raises TranslationError on a lost %(name)s


# ---- templates: text outside {{ _() }} ----

VISIBLE_ATTRIBUTES = {"placeholder", "title", "alt", "aria-label"}
WORDS = re.compile(r"[A-Za-z]{2,}")
# A macro's output that is an attribute (e.g. ` lang="zh-CN"`), not text.
ATTRIBUTE_FRAGMENT = re.compile(r'^\s*[\w-]+="[^"]*"\s*$')
# Blocks that fill in attribute values (class names), not text.
ATTRIBUTE_BLOCKS = {"body_class"}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden_depth += 1
        attributes = dict(attrs)
        for name, value in attrs:
            visible = name in VISIBLE_ATTRIBUTES or (
                tag == "input" and name == "value" and attributes.get("type") in ("submit", "button", "reset")
            )
            if visible and value and WORDS.search(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth and WORDS.search(data) and not ATTRIBUTE_FRAGMENT.match(data):
            self.found.append(data.strip())


def template_text_outside_jinja(source: str) -> str:
    """The template's literal text, each Jinja tag and expression replaced by a space."""
    kept, block_names, pending = [], [], []
    for _line, kind, value in Environment(extensions=["jinja2.ext.i18n"]).lex(source):
        pending.append((kind, value))
        if kind == "block_end":
            names = [v for k, v in pending if k == "name"]
            if names[:1] == ["block"]:
                block_names.append(names[1])
            elif names[:1] == ["endblock"] and block_names:
                block_names.pop()
            pending = []
        if kind == "data" and not (block_names and block_names[-1] in ATTRIBUTE_BLOCKS):
            kept.append(value)
        else:
            kept.append(" ")
    return "".join(kept)


def test_templates_have_no_text_outside_gettext():
    unmarked = []
    for path in sorted((ROOT / "eventapp" / "templates").rglob("*.html")):
        parser = VisibleText()
        parser.feed(template_text_outside_jinja(path.read_text(encoding="utf-8")))
        unmarked += [f"{path.relative_to(ROOT)}: {text}" for text in parser.found]
    assert not unmarked, "mark these with _():\n" + "\n".join(unmarked)


def test_the_check_finds_unmarked_template_text():
    parser = VisibleText()
    parser.feed(
        template_text_outside_jinja(
            '{% block body_class %}staff{% endblock %}<p>{{ _("Fine") }}</p><p>Seats left</p>'
            '<input placeholder="Your name"><button title="{{ _("ok") }}">x</button>'
        )
    )
    assert parser.found == ["Seats left", "<input placeholder='Your name'>"]


# ---- Python: literals handed straight to the user ----

# Which arguments of a call reach the user: flash(text, category), abort(code, text),
# ValidationError(text), a form field's label and description, any validator's message.
USER_FACING_ARGUMENTS = {"flash": slice(0, 1), "abort": slice(1, 2)}
FIELD_KEYWORDS = {"label", "description"}


def literal_text(node) -> bool:
    if isinstance(node, ast.JoinedStr):  # f"..."
        return any(literal_text(part) for part in node.values)
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(WORDS.search(node.value))


def user_message_exceptions(trees) -> set[str]:
    """Our exceptions whose message is shown to users: subclasses of Exception itself
    (RuntimeError and ValueError stay for programmer errors)."""
    bases = {
        node.name: {getattr(b, "id", None) or getattr(b, "attr", None) for b in node.bases}
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    found = {"ValidationError"}
    for _ in range(len(bases)):
        found |= {name for name, parents in bases.items() if parents & (found | {"Exception"})}
    return found


def test_python_passes_no_untranslated_literal_to_users():
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "eventapp").rglob("*.py"))}
    first_argument = {name: slice(0, 1) for name in user_message_exceptions(trees.values())}
    unmarked = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            chosen = USER_FACING_ARGUMENTS.get(name) or first_argument.get(name) or slice(0, 0)
            suspects = list(node.args[chosen])
            suspects += [k.value for k in node.keywords if k.arg == "message"]
            if name and name.endswith("Field"):
                suspects += node.args[:1] + [k.value for k in node.keywords if k.arg in FIELD_KEYWORDS]
            unmarked += [f"{path.relative_to(ROOT)}:{n.lineno}: {ast.unparse(n)}" for n in suspects if literal_text(n)]
    assert not unmarked, "wrap these in _() or _l():\n" + "\n".join(unmarked)


def test_no_text_is_translated_once_at_import():
    """gettext outside a function runs at import, in no request's language: use _l there."""
    eager = []
    for path in sorted((ROOT / "eventapp").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside_functions = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for inner in ast.walk(node)
        }
        eager += [
            f"{path.relative_to(ROOT)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in ("_", "gettext", "ngettext")
            and id(node) not in inside_functions
        ]
    assert not eager, eager
