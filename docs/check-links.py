#!/usr/bin/env python3
"""Check the relative links of README.md and docs/*.md.

Every Markdown link or image `[text](target)` whose target is not a URL must name a file or
folder that exists, relative to the file that holds the link. A `#anchor` (alone, or after a
path to a Markdown file) must be the GitHub anchor of a heading in that file. Links inside
code (fenced blocks and `inline spans`) are not links and are skipped.

Usage, from anywhere: python3 docs/check-links.py [--allow-missing PATH ...]
PATH (relative to the repository root) may be missing without failing the check, for a page
another branch adds. Exit status 0 when every link resolves, 1 otherwise, with one line per
broken link: FILE:LINE: target: what is wrong. Python 3 standard library only.
"""

import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

LINK = re.compile(r"\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)")
INLINE_CODE = re.compile(r"(`+)(?:.+?)\1")
URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, ...


def pages():
    files = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
    return [f for f in files if f.is_file()]


def prose_lines(text):
    """(line number, line) of the lines outside fenced code blocks, inline code removed."""
    fence = None
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if fence is None and marker:
            fence = marker.group(1)
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        yield number, INLINE_CODE.sub("", line)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    parts = re.split(r"(`+.+?`+)", heading)  # code spans keep their text, even `<name>`
    text = "".join(
        part.strip("`") if part.startswith("`") else re.sub(r"<[^>]+>", "", part)  # html tags
        for part in parts
    )
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found = set()
        counts = {}
        fence = None
        for line in path.read_text(encoding="utf-8").split("\n"):
            stripped = line.lstrip()
            marker = re.match(r"(`{3,}|~{3,})", stripped)
            if fence is None and marker:
                fence = marker.group(1)
                continue
            if fence is not None:
                if stripped.startswith(fence):
                    fence = None
                continue
            heading = re.match(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
            if not heading:
                continue
            base = slug(heading.group(1))
            n = counts.get(base, 0)
            counts[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
        for explicit in re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", path.read_text(encoding="utf-8")):
            found.add(explicit)
        cache[path] = found
    return cache[path]


def check(allow_missing):
    problems = []
    checked = 0
    for page in pages():
        text = page.read_text(encoding="utf-8")
        for number, line in prose_lines(text):
            for match in LINK.finditer(line):
                target = match.group(1)
                if not target or URL.match(target):
                    continue
                checked += 1
                where = f"{page.relative_to(ROOT)}:{number}: {target}"
                path_part, _, anchor = target.partition("#")
                dest = (page.parent / path_part).resolve() if path_part else page
                try:
                    shown = dest.relative_to(ROOT).as_posix()
                except ValueError:
                    problems.append(f"{where}: points outside the repository")
                    continue
                if not dest.exists():
                    if shown not in allow_missing:
                        problems.append(f"{where}: no such file or folder ({shown})")
                    continue
                if anchor:
                    if dest.suffix.lower() != ".md" or not dest.is_file():
                        problems.append(f"{where}: an anchor into a file that is not Markdown")
                    elif anchor not in anchors(dest):
                        problems.append(f"{where}: no heading with anchor #{anchor} in {shown}")
    return checked, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--allow-missing",
        action="append",
        default=[],
        metavar="PATH",
        help="a path, relative to the repository root, that may be missing (repeatable)",
    )
    args = parser.parse_args()
    allow = {pathlib.PurePosixPath(p).as_posix() for p in args.allow_missing}
    checked, problems = check(allow)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} broken of {checked} relative links", file=sys.stderr)
        return 1
    print(f"{checked} relative links in README.md and docs/*.md resolve", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
