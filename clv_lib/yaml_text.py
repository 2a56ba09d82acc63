"""YAML text parsed with libyaml's safe loader when PyYAML has it (about 10x faster than the pure-Python one, which
it falls back to): the packaged catalogues (report texts, error messages, the retention playbook) are read in
every report run."""

from __future__ import annotations

import yaml

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """`yaml.safe_load(text)`, with libyaml's loader where available."""
    return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
