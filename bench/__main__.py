"""Run every benchmark (``python -m bench``) or the ones named (``python -m bench engine telegram``).

Flags such as ``--quick`` are passed on to each benchmark."""

from __future__ import annotations

import importlib
import pkgutil
import runpy
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.ispkg)


def main(argv: list[str]) -> int:
    flags = [a for a in argv if a.startswith("-")]
    names = [a for a in argv if not a.startswith("-")] or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    for name in names:
        print(f"\n## bench/{name}\n", flush=True)
        importlib.invalidate_caches()
        saved = sys.argv
        sys.argv = [f"bench.{name}", *flags]
        try:
            runpy.run_module(f"bench.{name}", run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                return int(exc.code) if isinstance(exc.code, int) else 1
        finally:
            sys.argv = saved
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
