"""README.md and README.zh-CN.md stay in step: each section of one has its counterpart in the other.

The prose is translated, so it is not compared. What a translation keeps is compared:

- the headings: the same levels in the same order, so that section i of one README is
  section i of the other (any text before the first heading counts as section 0);
- in each section: the fenced code blocks (Python ones without their comments and
  docstrings, which may be translated; every other block, commands and the output they
  print, byte for byte), the commands and flags written as inline code (`python ...`,
  `pip ...`, `--shift 1`), the numbers in the prose, the images, the paragraphs that start
  in bold, the list items, and each table's row count and first column where that column
  is code or a number;
- in each section, the files of the repository it links to, where a Chinese twin
  (README.zh-CN.md, docs/book.zh-CN.md, homework/zh/) counts as its English original.

Numbers are compared as written: where README.md writes 12, the translation writes 12, not
十二 (and where it writes "two", either is fine). An inline command is inline code that starts
with a program named in COMMAND, after optional VAR=value settings, or a flag (``--...``).

Every link to a file of the repository must resolve, and so must every link to a heading
(``#tutorials``, ``docs/performance.md#the-convolutional-network``).
"""

import io
import re
import tokenize
from itertools import zip_longest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = "README.md"
CHINESE = "README.zh-CN.md"

FENCE = "```"
HEADING = re.compile(r"^(#{1,6}) +(.+?) *$")
INLINE_CODE = re.compile(r"`([^`]+)`")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+\.) ")
TABLE_KEY = re.compile(r"^(?:`[^`]+`|\d+)$")
# An inline command: a program name, after optional VAR=value settings, or a flag.
COMMAND = re.compile(r"^(?:[A-Z_]+=\S+ )*(?:python|pip|jupyter|nbgrader|nvidia-smi)\b|^--")
# The Chinese twin of a file counts as the file itself.
ENGLISH_ORIGINAL = {"README.zh-CN.md": "README.md", "docs/book.zh-CN.md": "docs/book.md",
                    "homework/zh": "homework", "docs/tutorials/zh": "docs/tutorials"}
# Folders whose files are Chinese twins of the English folder's files of the same name.
CHINESE_FOLDERS = {"docs/tutorials/zh/": "docs/tutorials/", "homework/zh/": "homework/"}


def english_original(path):
    """The English file or folder that ``path`` translates; ``path`` itself if none."""
    for chinese, english in CHINESE_FOLDERS.items():
        if path.startswith(chinese):
            return english + path[len(chinese):]
    return ENGLISH_ORIGINAL.get(path, path)


def sections(text):
    """The sections of the markdown ``text``, split at its headings.

    Returns a list of dicts, the text before the first heading first: "heading" (the
    heading's line, "" for that first part), "level" (its number of #, 0 for the first
    part), "prose" (the lines outside fenced code blocks, joined) and "code" (the fenced
    code blocks, as (language, body) pairs). A ``#`` line inside a code block is code.
    """
    found = [{"heading": "", "level": 0, "prose": [], "code": []}]
    fence = None
    for line in text.splitlines():
        if fence is not None:
            if line.strip() == FENCE:
                found[-1]["code"].append((fence[0], "\n".join(fence[1])))
                fence = None
            else:
                fence[1].append(line)
        elif line.startswith(FENCE):
            fence = (line[len(FENCE):].strip(), [])
        elif HEADING.match(line):
            level = len(HEADING.match(line).group(1))
            found.append({"heading": line, "level": level, "prose": [], "code": []})
        else:
            found[-1]["prose"].append(line)
    if fence is not None:
        raise ValueError(f"a code block ({FENCE}{fence[0]}) is never closed")
    for section in found:
        section["prose"] = "\n".join(section["prose"])
    return found


def python_without_comments(body):
    """The tokens of Python source ``body``, without comments and docstrings.

    A docstring here is a string literal that stands as a statement of its own.
    Returns a list of (token type, token text) pairs.
    """
    statement_starts = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    kept = []
    previous = tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(body + "\n").readline):
        if token.type in (tokenize.COMMENT, tokenize.NL):
            continue
        if not (token.type == tokenize.STRING and previous in statement_starts):
            kept.append((token.type, token.string))
        previous = token.type
    return kept


def comparable_code(language, body):
    """A code block as it must be in both READMEs: Python without comments, else as is."""
    if language == "python":
        return python_without_comments(body)
    return body


def inline_commands(prose):
    """The commands and flags written as inline code in ``prose``, whitespace collapsed."""
    spans = (" ".join(span.split()) for span in INLINE_CODE.findall(prose))
    return sorted({span for span in spans if COMMAND.match(span)})


def prose_numbers(prose):
    """The numbers in ``prose``, leaving out inline code and link targets."""
    words = LINK.sub("", IMAGE.sub("", INLINE_CODE.sub(" ", prose)))
    return sorted(set(NUMBER.findall(words)))


def linked_files(prose):
    """The repository paths ``prose`` links to (anchors dropped), Chinese twins as originals."""
    paths = set()
    for target in LINK.findall(prose):
        path = target.split("#")[0].rstrip("/")
        if path and "://" not in path and not path.startswith("mailto:"):
            paths.add(english_original(path))
    return sorted(paths)


def tables(prose):
    """Each table in ``prose`` as (row count, first-column keys), its rule row not counted.

    A key is the first cell when it is inline code or a number, else "" (translated text).
    """
    found = []
    rows = []
    for line in prose.splitlines() + [""]:
        if line.startswith("|"):
            if not re.fullmatch(r"[|\s:-]+", line):
                rows.append(line)
            continue
        if rows:
            keys = [row.strip("|").split("|")[0].strip() for row in rows]
            found.append((len(rows), [key if TABLE_KEY.match(key) else "" for key in keys]))
            rows = []
    return found


def paragraphs(prose):
    """The paragraphs of ``prose``: runs of lines between blank lines."""
    return [block.strip() for block in re.split(r"\n\s*\n", prose) if block.strip()]


def features(section):
    """What a section keeps through translation, by name (see the module docstring)."""
    prose = section["prose"]
    return {
        "code blocks": [comparable_code(language, body) for language, body in section["code"]],
        "inline commands": inline_commands(prose),
        "numbers": prose_numbers(prose),
        "images": IMAGE.findall(prose),
        "links to files": linked_files(prose),
        "paragraphs in bold": sum(block.startswith("**") for block in paragraphs(prose)),
        "list items": sum(bool(LIST_ITEM.match(line)) for line in prose.splitlines()),
        "tables": tables(prose),
    }


def differences(english, chinese):
    """What one of the READMEs has and the other lacks, as readable lines ([] when in step).

    english, chinese: the text of README.md and of README.zh-CN.md.
    """
    english_sections, chinese_sections = sections(english), sections(chinese)
    if [s["level"] for s in english_sections] != [s["level"] for s in chinese_sections]:
        side_by_side = zip_longest(english_sections, chinese_sections, fillvalue={"heading": "-"})
        pairs = "\n".join(f"  {a['heading']:50} | {b['heading']}" for a, b in side_by_side)
        return [f"the headings differ in number or level; side by side:\n{pairs}"]
    found = []
    for a, b in zip(english_sections, chinese_sections):
        kept_a, kept_b = features(a), features(b)
        for name in kept_a:
            if kept_a[name] != kept_b[name]:
                shown = ((a["code"], b["code"]) if name == "code blocks"
                         else (kept_a[name], kept_b[name]))
                found.append(f"section {a['heading'] or '(top)'!r} / {b['heading'] or '(top)'!r}: "
                             f"{name} differ:\n  {ENGLISH}: {shown[0]}\n"
                             f"  {CHINESE}: {shown[1]}")
    return found


def slug(heading):
    """The anchor GitHub gives a heading line: lower case, punctuation dropped, '-' for spaces."""
    text = HEADING.match(heading).group(2).replace("`", "").lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path):
    """The anchors of the headings of the markdown file at ``path``."""
    return {slug(section["heading"]) for section in sections(path.read_text(encoding="utf-8"))
            if section["heading"]}


def broken_links(path):
    """The links of the markdown file at ``path`` to files or headings that do not exist."""
    broken = []
    for section in sections(path.read_text(encoding="utf-8")):
        for target in LINK.findall(section["prose"]) + IMAGE.findall(section["prose"]):
            if "://" in target or target.startswith("mailto:"):
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part) if file_part else path
            if not linked.exists():
                broken.append(f"{target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{target}: no heading with that anchor in {linked.name}")
    return broken


def read(name):
    return (ROOT / name).read_text(encoding="utf-8")


def test_the_two_readmes_are_in_step():
    found = differences(read(ENGLISH), read(CHINESE))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", [ENGLISH, CHINESE])
def test_every_link_of_the_readme_resolves(name):
    assert not broken_links(ROOT / name)


def test_the_readmes_link_the_chinese_material():
    english, chinese = read(ENGLISH), read(CHINESE)
    assert "(README.zh-CN.md)" in english and "(docs/glossary.md)" in english
    for target in ("README.md", "docs/glossary.md", "docs/book.zh-CN.md", "homework/zh"):
        assert f"]({target})" in chinese, f"{CHINESE} does not link {target}"


# Text added at the end of one README only, each of which the parity check must notice.
ONE_SIDED_ADDITIONS = {
    "a heading": "\n## Citing\n\nCite it.\n",
    "a code block": "\n```bash\npython -m nnnumpy doctor\n```\n",
    "an inline command": "\nRun `python -m nnnumpy doctor` first.\n",
    "a figure": "\n![Curves](docs/overfitting.png)\n",
    "a number": "\nIt takes 42 seconds.\n",
    "a table": "\n| module | what |\n| --- | --- |\n| `nnnumpy.extra` | more |\n",
    "a list item": "\n- Ask a friend.\n",
    "a paragraph in bold": "\n**Note.** Read it.\n",
    "a link to a file": "\nSee [the benchmarks](docs/performance.md).\n",
}


@pytest.mark.parametrize("addition", sorted(ONE_SIDED_ADDITIONS))
def test_the_check_notices_an_addition_to_one_readme_only(addition):
    english, chinese = read(ENGLISH), read(CHINESE)
    added = ONE_SIDED_ADDITIONS[addition]
    assert differences(english + added, chinese)
    assert differences(english, chinese + added)


def test_the_check_notices_a_changed_command():
    english, chinese = read(ENGLISH), read(CHINESE)
    assert "```bash\n" in english, f"{ENGLISH} has no bash block left to change"
    changed = "```bash\npython -m nnnumpy doctor\n"
    assert differences(english.replace("```bash\n", changed, 1), chinese)
    assert differences(english, chinese.replace("```bash\n", changed, 1))


def test_translated_comments_and_docstrings_do_not_count():
    english = '```python\ndef f(x):\n    """Twice x."""\n    return 2 * x  # double\n```\n'
    chinese = '```python\ndef f(x):\n    """x 的两倍。"""\n    return 2 * x  # 加倍\n```\n'
    assert differences(english, chinese) == []
    assert differences(english, chinese.replace("2 * x", "3 * x"))
    assert differences("```\n# printed\n```\n", "```\n# 打印\n```\n")


def test_github_anchors_keep_chinese_and_drop_punctuation():
    assert slug("## Numerical gradients, and why backpropagation matters") == (
        "numerical-gradients-and-why-backpropagation-matters")
    assert slug("## 数值梯度，以及反向传播为什么重要") == "数值梯度以及反向传播为什么重要"
    assert slug("## The `Trainer` class") == "the-trainer-class"


def test_an_unclosed_code_block_is_an_error():
    with pytest.raises(ValueError, match="never closed"):
        sections("text\n```bash\npip install nnnumpy\n")


def test_broken_links_names_missing_files_and_anchors(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## The part\n", encoding="utf-8")
    page.write_text("# 页面\n\n## 教程\n\n[a](#教程) [b](other.md#the-part) [c](https://x.org)\n"
                    "[d](#tutorials) [e](missing.md) [f](other.md#no-part)\n", encoding="utf-8")
    assert broken_links(page) == ["#tutorials: no heading with that anchor in page.md",
                                  "missing.md: no such file",
                                  "other.md#no-part: no heading with that anchor in other.md"]
