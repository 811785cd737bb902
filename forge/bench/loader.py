"""The child of ``imports``: one app loaded in a fresh interpreter, its RSS measured.

It imports nothing of its own beyond the few modules below, so that what it measures
is what the app loads: ``python -m forge.bench.loader TARGET [--factory]`` prints the
RSS after loading the app and the modules it loaded; with ``--over BASE`` it loads the
app at ``BASE`` first, then the modules named on its standard input one at a time,
then the app, and prints what each top-level package and the app's own loading added.
"""

import argparse
import importlib
import json
import resource
import sys
from typing import Any


def rss_mib() -> float:
    """This process's resident memory now (Linux's /proc), else its peak: loading
    only grows it. Not the peak on Linux, which keeps across exec the RSS of the
    parent this process was forked from."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**20 if sys.platform == "darwin" else 2**10)  # bytes on macOS


def load(target: str) -> Any:
    """The app at ``module:attribute``, called if the attribute ends in ``()``."""
    module_name, _, attribute = target.partition(":")
    name = attribute.removesuffix("()")
    application = getattr(importlib.import_module(module_name), name)
    return application() if attribute.endswith("()") else application


def loaded(target: str) -> dict[str, Any]:
    """Load the app at ``target``: the RSS after, and the modules it loaded."""
    before = set(sys.modules)
    app = load(target)  # held while measured, as a worker holds it
    return {
        "rss_mib": rss_mib(),
        "modules": [name for name in sys.modules if name not in before],
        "app": type(app).__name__,
    }


def charged(target: str, base: str, modules: list[str]) -> dict[str, Any]:
    """Load the app at ``base``, then ``modules`` one at a time (those ``target``
    loaded over it), then ``target``'s app: what each top-level package added, and
    the rest."""
    base_app = load(base)  # held, as the apps below
    packages: dict[str, float] = {}
    for name in modules:
        if name in sys.modules:  # loaded already, by a module before it
            continue
        before = rss_mib()
        try:
            importlib.import_module(name)
        except Exception:  # one that loads only as its app loads it
            continue
        package = name.partition(".")[0]
        packages[package] = packages.get(package, 0.0) + rss_mib() - before
    before = rss_mib()
    try:
        app = load(target)
        rest: float | None = rss_mib() - before
    except Exception:  # an app that cannot share a process with base
        app, rest = None, None
    return {
        "packages": packages,
        "rest_mib": rest,
        "rss_mib": rss_mib(),
        "apps": [type(base_app).__name__, type(app).__name__],
    }


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", help="module:attribute, or module:factory()")
    parser.add_argument("--over", metavar="BASE", help="the app loaded first")
    options = parser.parse_args(arguments)
    if options.over is None:
        result = loaded(options.target)
    else:
        result = charged(options.target, options.over, json.load(sys.stdin))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
