"""``ireti-till validate``: the staging checklist, headless, on a throwaway till.

    ireti-till validate [--emulator | --stripe-test] [--category NAME[,NAME]] [--list
                        [--markdown]] [--junit FILE] [--report FILE] [--data-dir DIR]

Runs every case of ``docs/staging-checklist.md`` (the cases live in
``ireti_till/commands/validation/categories/``, one module per category) and prints one line per
case: id, PASS/FAIL/SKIP, purpose and the evidence observed. Exits 1 if a case failed, 2 on
bad usage. ``--emulator`` (the default) starts the built-in Stripe emulator;
``--stripe-test`` uses Stripe's test mode with the key in ``IRETI_STRIPE_TEST_KEY`` and a
simulated reader; cases it cannot support are skipped with the reason; live keys are always
refused. ``--data-dir DIR`` copies that till's ``config.toml`` and catalog into the
throwaway till (the till itself is only read); a directory with neither is refused (IT-560).
The throwaway till lives in a marked ``ireti-validate-*`` folder
(``adapters/validation_scratch.py``); folders of runs that were killed are removed at the
next run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ireti_till.domain.errors import TillError

if TYPE_CHECKING:
    from ireti_till.commands.validation.case import Case
    from ireti_till.commands.validation.env import Env
    from ireti_till.commands.validation.report import Result



def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ireti-till validate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--emulator", action="store_true", help="built-in emulator (default)")
    mode.add_argument("--stripe-test", action="store_true", help="Stripe test mode")
    p.add_argument("--category", action="append", default=[], metavar="NAME",
                   help="run only these categories (repeat or comma-separate)")
    p.add_argument("--list", action="store_true", help="list the cases, run nothing")
    p.add_argument("--markdown", action="store_true",
                   help="with --list: print docs/staging-checklist.md")
    p.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML results")
    p.add_argument("--report", type=Path, metavar="FILE", help="write a Markdown report")
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="copy this till's config and catalog into the throwaway till")
    return p


def main(argv: list[str]) -> int:
    from ireti_till.commands.validation.registry import registry
    from ireti_till.commands.validation.report import checklist_markdown

    args = _parser().parse_args(argv)
    cats = registry()
    wanted = {w.strip() for item in args.category for w in item.split(",") if w.strip()}
    unknown = wanted - {c.key for c, _ in cats}
    if unknown:
        print(f"validate: unknown category {', '.join(sorted(unknown))}; choose from "
              f"{', '.join(c.key for c, _ in cats)}", file=sys.stderr)
        return 2
    if wanted:
        cats = [(c, cases) for c, cases in cats if c.key in wanted]
    if args.list:
        if args.markdown:
            sys.stdout.write(checklist_markdown(cats))
        else:
            for c, cases in cats:
                print(f"{c.key}: {c.title} ({len(cases)} cases)")
                for case in cases:
                    extra = "" if case.stripe_test is None else "  [emulator only]"
                    print(f"  {case.id:<8} {case.purpose}{extra}")
        return 0
    return _run(args, [case for _c, cases in cats for case in cases])


def _run(args: argparse.Namespace, cases: list[Case]) -> int:
    from ireti_till.adapters.validation_scratch import scratch_dir, sweep
    from ireti_till.commands.validation.env import Env
    from ireti_till.commands.validation.report import (
        junit,
        markdown_report,
        summary,
        table_line,
    )
    from ireti_till.commands.validation.stripe_key import stripe_test_key

    got = stripe_test_key(args.stripe_test)
    if isinstance(got, int):
        return got
    key, mode = got
    logging.basicConfig(level=logging.ERROR)
    swept = sweep()
    if swept.found:
        print(f"{len(swept.removed)} stale validation folder(s) of killed runs removed"
              + (f", {len(swept.left)} could not be" if swept.left else ""))
    emu = None
    base_url = None
    if not args.stripe_test:
        from ireti_till.training.server import Emulator, EmulatorConfig

        emu = Emulator.start(EmulatorConfig(rate_limit=None))
        key, base_url, mode = emu.api_key, emu.base_url, "the built-in emulator"
    try:
        with scratch_dir() as tmp:
            try:
                env = Env(tmp, key, base_url, emu, source=args.data_dir)
            except TillError as exc:
                print(f"validate: {exc}", file=sys.stderr)
                return 2
            try:
                if env.copied:
                    print(f"validating a throwaway copy of {args.data_dir}: {env.copied}")
                results = _execute(env, cases, table_line)
            finally:
                env.close()
    finally:
        if emu is not None:
            emu.stop()
    print(f"\n{summary(results)}")
    if args.junit:
        args.junit.write_bytes(junit(results, mode))
    if args.report:
        args.report.write_text(markdown_report(results, mode, env.copied), encoding="utf-8")
    return 1 if any(r.status == "FAIL" for r in results) else 0


def _execute(env: Env, cases: list[Case], line: Callable[[Result], str]) -> list[Result]:
    from ireti_till.commands.validation.report import run_cases

    return run_cases(env, cases, progress=lambda r: print(line(r), flush=True))
