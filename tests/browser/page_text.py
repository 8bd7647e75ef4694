"""What a Chinese clerk must never read on a page: English words, raw choice codes
and field names, ISO or UTC timestamps, None/null/undefined, doubled words, and text
cut off by its container. ``problems(page)`` reads the rendered page as a person
sees it (visible text, placeholders, button captions) and names each finding."""

import re

from django.apps import apps

# English a Chinese clerk meets in any Chinese software, and file formats.
ALLOWED = {
    "API",
    "Excel",
    "ID",
    "xlsx",
    "xls",
    "xlsm",
    "csv",
    "CSV",
    "PDF",
    "pdf",
    "Word",
    "WPS",
    "JPG",
    "jpg",
    "PNG",
    "png",
    "ZIP",
    "zip",
    "docx",
    "DOCX",
    "XLSX",
    "PPTX",
    "JPEG",
    "doc",
    "MB",
    "KB",
    "GB",
    "URL",
    "JSON",
    "OpenAPI",
    "Token",
    "HTTP",
    "HTTPS",
    "Webhook",  # the robots' own word: 企业微信 and 钉钉 say "Webhook 地址"
    "SEC",  # a 钉钉 signing secret begins with it
    "IP",
    "Office",
    # Browsers and systems, as the login log names them.
    "Chrome",
    "Edge",
    "Firefox",
    "Safari",
    "Windows",
    "macOS",
    "Linux",
    "Android",
    "iPhone",
    "iPad",
}
# A word: letters, with digits, underscores, hyphens inside (xian_b1 is one word);
# "A1" (one letter) is a label, not English.
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]*[A-Za-z0-9]")
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}|\bUTC\b|[+-]00:?00\b|\d{1,2}:\d{2}:\d{2}\.\d"
)
_NOTHING = {"None", "null", "undefined", "NaN", "nan", "True", "False"}
# The same Chinese word twice on one line, or "A → A", "A · A".
_DOUBLED = re.compile(r"([\u4e00-\u9fff]{2,})[ \u3000]*(?:→|->|·)?[ \u3000]*\1")

_READ = """() => {
  const visible = (el) => {
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 1
      && r.height > 1;
  };
  const extra = [];
  for (const el of document.querySelectorAll(
      'input[placeholder], textarea[placeholder], input[type=submit], '
      + 'input[type=button], [title], [aria-label]')) {
    if (!visible(el)) continue;
    if (el.placeholder) extra.push(el.placeholder);
    if (el.type === 'submit' || el.type === 'button') extra.push(el.value);
    if (el.title) extra.push(el.title);
  }
  const clipped = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const own = Array.from(el.childNodes).some(
      (n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const cs = getComputedStyle(el);
    const clipX = ['hidden', 'clip'].includes(cs.overflowX)
      || cs.textOverflow === 'ellipsis';
    const clipY = ['hidden', 'clip'].includes(cs.overflowY);
    if ((clipX && el.scrollWidth > el.clientWidth + 1)
        || (clipY && el.scrollHeight > el.clientHeight + 1)) {
      clipped.push(el.tagName.toLowerCase() + ': ' + el.innerText.slice(0, 30));
    }
  }
  // Text marked as another language on purpose (the language switcher's
  // "English") is that language's own name, not untranslated text.
  const foreign = Array.from(
    document.querySelectorAll('body [lang]:not([lang^="zh"])'),
    (el) => el.innerText || el.textContent);
  return {text: document.body.innerText, extra: extra, clipped: clipped,
          foreign: foreign};
}"""


def vocabulary() -> tuple[set[str], set[str]]:
    """Every choice code and field name of the project's models: on a page each is
    a raw code, never a word."""
    codes, fields = set(), set()
    for model in apps.get_models():
        if model._meta.app_label not in {
            "core",
            "pairings",
            "dispatch",
            "projects",
            "reporting",
            "imports",
        }:
            continue
        for field in model._meta.get_fields():
            if not hasattr(field, "attname"):
                continue
            fields.add(field.name)
            fields.add(field.attname)
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value:
                    codes.add(value)
    return codes, fields


_URL = re.compile(r"https?://\S+")


def findings(text: str, allowed: set[str], codes=(), fields=()) -> list[str]:
    """Each thing in ``text`` a Chinese clerk should not read, named. A web address
    is an address, not words."""
    text = _URL.sub(" ", text)
    found = []
    for match in _TIMESTAMP.finditer(text):
        found.append(f"ISO/UTC time {match.group(0)!r}")
    for line in text.splitlines():
        for match in _DOUBLED.finditer(line):
            found.append(f"doubled word {match.group(0)!r}")
    for word in _WORD.findall(text):
        if sum(c.isalpha() for c in word) < 2:
            continue
        if word in allowed or word.upper() in ALLOWED or word in ALLOWED:
            continue
        if word in _NOTHING:
            found.append(f"empty value {word!r}")
        elif word in codes:
            found.append(f"raw choice code {word!r}")
        elif word in fields:
            found.append(f"field name {word!r}")
        else:
            found.append(f"English {word!r}")
    return list(dict.fromkeys(found))


def problems(page, allowed: set[str], codes=(), fields=()) -> list[str]:
    seen = page.evaluate(_READ)
    text = "\n".join([seen["text"], *seen["extra"]])
    for own_language in seen["foreign"]:
        text = text.replace(own_language.strip(), "")
    found = findings(text, allowed, codes, fields)
    found += [f"cut off: {c!r}" for c in seen["clipped"]]
    return found
