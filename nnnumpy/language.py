"""The reader's language, English or Chinese: for the homework's verdicts and figure text.

The environment variable ``NNNUMPY_LANG`` (``en`` or ``zh``) decides when it is set;
else the locale: ``zh`` when the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is
set starts with ``zh`` (``zh_CN.UTF-8``), else English.

Why a variable and not a ``lang=`` argument: the notebooks (tutorials and homework)
have code cells identical in English and in Chinese, so the language cannot be written
in the code; a variable set once, before Jupyter starts, serves every cell alike.
"""

import os

LANG_ENV = "NNNUMPY_LANG"
LANGUAGES = ("en", "zh")


def language():
    """'en' or 'zh': the language chosen by NNNUMPY_LANG, else by the locale.

    NNNUMPY_LANG may be 'en', 'zh' or a locale name such as 'zh_CN'; anything else is a
    ValueError naming it. Empty counts as unset.
    """
    chosen = os.environ.get(LANG_ENV, "").strip()
    if chosen:
        code = chosen.lower()[:2]
        if code not in LANGUAGES:
            raise ValueError(f"{LANG_ENV} must be 'en' or 'zh', got {chosen!r}")
        return code
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"
