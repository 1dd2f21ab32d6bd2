"""Command line: every number the dashboard shows, headless.

    python -m her2dash validate  --patients P --fragments F | --cohort FILE | FILE [FILE] [--json]
    python -m her2dash classify  (the same inputs) | --demo  [--rule ... --cutoff ...] [--json]
    python -m her2dash analyze   (the same inputs) | --demo  [--rule ... --cutoff ...] [--out F]
    python -m her2dash sweep     (the same inputs) | --demo  [--step 1 --permutations 1000 ...]
    python -m her2dash report    (the same inputs) | --demo  --format html|pdf|pptx --out FILE
    python -m her2dash resample  (the same inputs) | --demo  [--draws 200 --seed 0 ...]
    python -m her2dash literature [(the same inputs) | --demo  [--rule ... --cutoff ...]]
    python -m her2dash ledger    (the same inputs) | --demo  --settings-file FILE [--seed 0]
    python -m her2dash verify    OUTPUT (the inputs it was made from)   [--mismatches-only]
    python -m her2dash template  --out cohort-template.xlsx

Exit codes: 0 success, 1 the data did not validate, 2 a usage error (verify: 0 every number
matches, 1 a mismatch, 2 cannot verify). analyze, sweep and report take --suppress-below N
(counts 1 … N−1 masked; default: the HER2DASH_SUPPRESS_BELOW environment variable, else off).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from her2dash import __version__
from her2dash.classify import classify
from her2dash.cohort import Cohort
from her2dash.columns import SPECS
from her2dash.dates import DateOptions
from her2dash.ingest import InputFile, open_paths, read_files
from her2dash.results import Unavailable, to_jsonable
from her2dash.rules import rule_spec
from her2dash.settings import (
    CONF_TYPES,
    ENDPOINTS,
    POSITIVITY_THRESHOLDS,
    RULES,
    SPECIMENS,
    TIMEPOINTS,
    Settings,
)
from her2dash.validate import ValidationReport, auto_mapping, build_cohort
from her2dash.values import RANGE_POLICIES, ParseOptions


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="*", type=Path,
                   help="one workbook or long table, or a patients and a fragments file")
    p.add_argument("--patients", type=Path, help="the patients table (with --fragments)")
    p.add_argument("--fragments", type=Path, help="the fragments table (with --patients)")
    p.add_argument("--cohort", type=Path,
                   help="one workbook with patients and fragments sheets, or one long table")
    p.add_argument("--demo", action="store_true", help="use the bundled synthetic demo cohort")
    p.add_argument("--encoding", help="force the text encoding of CSV files (e.g. cp932)")
    p.add_argument("--map", action="append", default=[], metavar="TABLE.COLUMN=SOURCE",
                   help="map a file column to a contract column, e.g. "
                        "'patients.pfs_months=Progression-free (mo)'; repeatable")
    p.add_argument("--data-cutoff", type=date.fromisoformat, metavar="YYYY-MM-DD",
                   help="data cut-off when times are derived from dates")
    p.add_argument("--no-censor-at-surgery", action="store_true",
                   help="do not censor PFS at conversion surgery when deriving from dates")
    p.add_argument("--range-policy", choices=RANGE_POLICIES, default="error",
                   help="how a %% written as a range (90-100) or bound (<5) is read: an error "
                        "(default), or its lower end, midpoint or upper end (each listed)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _settings_options(p: argparse.ArgumentParser) -> None:
    d = Settings()
    p.add_argument("--rule", choices=RULES, default=d.rule,
                   help="heterogeneity rule (see the README's rule table)")
    p.add_argument("--cutoff", type=float, default=None, metavar="VALUE",
                   help="cutoff in the rule's unit: %% for most rules, 0–300 for H-score rules "
                        "(default: the paper's 100 %%, or the rule's default)")
    p.add_argument("--positivity", choices=POSITIVITY_THRESHOLDS, default=d.positivity,
                   help="'2+' counts 2+/3+ as positive (the paper), '3+' only 3+")
    p.add_argument("--min-fragments", type=int, default=d.min_fragments)
    p.add_argument("--max-fragments", type=int, default=None)
    p.add_argument("--filter", action="append", default=[], metavar="COLUMN=V1|V2",
                   help="keep patients whose COLUMN is one of the values, e.g. platinum=yes")
    p.add_argument("--endpoint", choices=ENDPOINTS, default=d.endpoint)
    p.add_argument("--timepoint", choices=TIMEPOINTS, default=d.timepoint,
                   help="which specimens are scored (fragment column timepoint)")
    p.add_argument("--specimen", choices=SPECIMENS, default=d.specimen,
                   help="biopsy or resection material (fragment column specimen_type)")
    p.add_argument("--adequate-fragments", type=int, default=d.adequate_fragments,
                   help="fewer tumour-containing fragments than this is 'limited sampling'")
    p.add_argument("--adequate-only", action="store_true",
                   help="keep only adequately sampled patients")


def _analysis_options(p: argparse.ArgumentParser) -> None:
    _settings_options(p)
    p.add_argument("--conf-type", choices=CONF_TYPES, default=Settings().conf_type,
                   help="Kaplan–Meier band: R's default 'log', or 'log-log'")
    p.add_argument("--conf-level", type=float, default=Settings().conf_level)
    p.add_argument("--covariates", default=",".join(Settings().cox_covariates),
                   metavar="A,B", help="adjustment covariates of the multivariable and "
                   "stratified Cox models (default: the paper's age_group,platinum; 'none')")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m her2dash", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check a cohort and account for every row")
    _input_options(v)
    v.add_argument("--rows", action="store_true", help="also print the fate of every row")
    c = sub.add_parser("classify", help="homogeneous / heterogeneous groups under a rule")
    _input_options(c)
    _settings_options(c)
    c.add_argument("--per-patient", action="store_true", help="include each patient's call")
    a = sub.add_parser("analyze", help="every statistic (survival, Cox, response, baseline, "
                       "biopsy count, specimens) as JSON")
    _input_options(a)
    _analysis_options(a)
    a.add_argument("--out", type=Path, help="write the JSON here instead of standard output")
    _prespecified_option(a)
    _suppress_option(a)
    w = sub.add_parser("sweep", help="every cutoff: HR, log-rank, medians, ORR, and the "
                       "optimal cutpoint with its adjusted p")
    _input_options(w)
    _settings_options(w)
    w.add_argument("--step", type=float, default=1.0, help="cutoff step in %% (default 1)")
    w.add_argument("--min-group", type=int, default=5,
                   help="cutoffs where a group is smaller are left out of the search")
    w.add_argument("--permutations", type=int, default=1000,
                   help="permutations for the adjusted p (maxstat condMC); 0 = Lau92 only")
    w.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="bootstrap resamples of the optimal cutpoint (0 = none)")
    w.add_argument("--split-sample", action="store_true",
                   help="choose the cutpoint on a random half, test it on the other")
    w.add_argument("--seed", type=int, default=0, help="seed of permutations and resampling")
    w.add_argument("--format", choices=("json", "csv"), default="json",
                   help="json: everything; csv: the sweep table, one row per cutoff")
    w.add_argument("--out", type=Path, help="write here instead of standard output")
    _suppress_option(w)
    r = sub.add_parser("report", help="the whole analysis as a self-contained HTML report, "
                       "its PDF, or a PPTX slide deck")
    _input_options(r)
    _analysis_options(r)
    r.add_argument("--format", choices=("html", "pdf", "pptx"), default="html")
    r.add_argument("--permutations", type=int, default=1000,
                   help="permutations for the cutoff sweep's adjusted p (0 = Lau92 only)")
    r.add_argument("--out", type=Path, required=True, help="the file to write")
    _prespecified_option(r)
    _suppress_option(r)
    vf = sub.add_parser("verify", help="recompute every number of an analyze/sweep JSON, HTML "
                        "or PDF report or PPTX deck from the data and compare, number by number")
    vf.add_argument("output", type=Path, help="the JSON, HTML, PDF or PPTX file to check")
    _input_options(vf)
    vf.add_argument("--mismatches-only", action="store_true",
                    help="print only the numbers that differ (and the summary)")
    s = sub.add_parser("resample", help="how many biopsies are enough: draw k fragments per "
                       "patient, reclassify, refit the HR (JSON)")
    _input_options(s)
    _settings_options(s)
    s.add_argument("--draws", type=int, default=200, metavar="B", help="draws per k (default 200)")
    s.add_argument("--seed", type=int, default=0, help="seed of the draws")
    s.add_argument("--endpoints", default="pfs,os", metavar="pfs,os",
                   help="endpoints whose hazard ratios are reported (default both)")
    s.add_argument("--exact", choices=("auto", "yes", "no"), default="auto",
                   help="enumerate every k-subset for the expected share of changed calls")
    s.add_argument("--per-draw", action="store_true", help="include every draw's HR, CI and p")
    s.add_argument("--per-patient", action="store_true",
                   help="include each patient's chance of another group and one-fewer flips")
    s.add_argument("--out", type=Path, help="write the JSON here instead of standard output")
    li = sub.add_parser("literature", help="published values (Yagi et al. 2019 and others) "
                        "beside the cohort's, with citations and whether the definitions "
                        "match (JSON); without a cohort, the published values alone")
    _input_options(li)
    _analysis_options(li)
    li.add_argument("--out", type=Path, help="write the JSON here instead of standard output")
    g = sub.add_parser("ledger", help="explored settings (one file of them): each one's HR "
                       "and log-rank p, and the p adjusted for having looked at all (JSON)")
    _input_options(g)
    g.add_argument("--settings-file", type=Path, required=True, metavar="FILE",
                   help="a JSON list of settings (as the analyze JSON's 'settings'), or one "
                        "per line as a JSON object or a link's query string "
                        "(rule=pooled&cutoff_pct=50; 'paper' = the defaults)")
    g.add_argument("--permutations", type=int, default=1000,
                   help="permutations of the outcomes for the adjusted p (default 1000)")
    g.add_argument("--seed", type=int, default=0, help="seed of the permutations")
    _prespecified_option(g)
    g.add_argument("--out", type=Path, help="write the JSON here instead of standard output")
    t = sub.add_parser("template", help="write the cohort template (XLSX or two CSVs)")
    t.add_argument("--out", type=Path, required=True,
                   help="cohort-template.xlsx, or a folder for patients.csv + fragments.csv")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "template":
            return _template(args.out)
        if args.command == "literature" and not (args.demo or args.files or args.cohort
                                                 or args.patients or args.fragments):
            return _literature(None, None, None, [], args)
        if args.command == "ledger":
            return _ledger(args, parser)
        if args.command == "verify":
            return _verify(args, parser)
        # Settings first: a usage error is reported before any file is read.
        settings = _settings(args, parser) if args.command != "validate" else None
        args.locked = _prespecified(args, parser)
        cohort, report, files = _load(args, parser)
        if args.command == "validate":
            return _print_validation(report, args)
        if cohort is None or settings is None:
            _print_validation(report, args)
            return 1
        if args.command == "analyze":
            return _analyze(cohort, report, settings, files, args)
        if args.command == "sweep":
            return _sweep(cohort, report, settings, files, args)
        if args.command == "resample":
            return _resample(cohort, report, settings, files, args)
        if args.command == "report":
            return _report(cohort, settings, args)
        if args.command == "literature":
            return _literature(cohort, report, settings, files, args)
        return _classify(cohort, report, settings, args)
    except BrokenPipeError:  # `| head` closed the pipe; not an error of ours
        return 0


def _load(args: argparse.Namespace, parser: argparse.ArgumentParser
          ) -> tuple[Cohort | None, ValidationReport, list[InputFile]]:
    if args.demo:
        from her2dash.demo import demo_files, load_demo

        return (*load_demo(), demo_files())
    paths = _input_paths(args, parser)
    maps = [_parse_map(item, parser) for item in args.map]
    files, issues = open_paths(paths)
    if issues:
        return None, ValidationReport(tuple(issues)), files
    raw, issues = read_files(files, encoding=args.encoding)
    if raw is None:
        return None, ValidationReport(tuple(issues)), files
    mapping = auto_mapping(raw)
    for table, column, source in maps:
        mapping = mapping.with_column(table, column, source)  # type: ignore[arg-type]
    dates = DateOptions(args.data_cutoff, not args.no_censor_at_surgery)
    parsing = ParseOptions(range_policy=args.range_policy)
    cohort, report = build_cohort(raw, mapping, dates=dates, parsing=parsing)
    return cohort, ValidationReport(tuple(issues) + report.issues, report.accounting,
                                    report.mapping), files


def _parse_map(item: str, parser: argparse.ArgumentParser) -> tuple[str, str, str]:
    target, sep, source = item.partition("=")
    table, dot, column = target.partition(".")
    if not sep or not dot or table not in SPECS:
        parser.error(f"--map {item!r}: expected TABLE.COLUMN=SOURCE, TABLE patients or fragments")
    if column not in SPECS[table]:  # type: ignore[index]
        known = ", ".join(SPECS[table])  # type: ignore[index]
        parser.error(f"--map {item!r}: {column!r} is not a {table} column; known: {known}")
    return table, column, source


def _input_paths(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[Path]:
    named = [p for p in (args.cohort, args.patients, args.fragments) if p is not None]
    if args.files and named:
        parser.error("give the files either by position or with --patients/--fragments/--cohort")
    if (args.patients is None) != (args.fragments is None):
        parser.error("--patients and --fragments go together")
    if args.cohort is not None and args.patients is not None:
        parser.error("--cohort is one file holding both tables; not with --patients")
    paths = list(args.files) or named
    if not paths:
        parser.error("give the cohort files (--patients and --fragments, or --cohort), or --demo")
    return paths


def _print_validation(report: ValidationReport, args: argparse.Namespace) -> int:
    if args.json:
        out = {"ok": report.ok, "issues": to_jsonable(report.issues),
               "rows": to_jsonable(report.row_summary().set_index("file"))}
        if getattr(args, "rows", False):
            out["accounting"] = to_jsonable(report.accounting.set_index("file"))
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for issue in report.issues:
            print(f"{issue.severity.upper():8} {issue.describe()}")
        for r in report.row_summary().itertuples():
            print(f"ROWS     {r.file}: {r.rows:,} {r.status}")
        if getattr(args, "rows", False):
            print(report.accounting.to_string(index=False))
        print("OK" if report.ok else f"{len(report.errors)} error(s): the cohort was not loaded")
    return 0 if report.ok else 1


def _settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Settings:
    try:
        spec = rule_spec(args.rule)
        default_cutoff = (spec.paper_cutoff or spec.cutoff.default) if spec.cutoff else 100.0
        settings = Settings(rule=args.rule,
                            cutoff_pct=default_cutoff if args.cutoff is None else args.cutoff,
                            positivity=args.positivity, min_fragments=args.min_fragments,
                            max_fragments=args.max_fragments, endpoint=args.endpoint,
                            timepoint=args.timepoint, specimen=args.specimen,
                            adequate_fragments=args.adequate_fragments,
                            adequate_only=args.adequate_only)
        if args.command in ("analyze", "report", "literature"):
            covariates = () if args.covariates.lower() in ("", "none") else tuple(
                c.strip() for c in args.covariates.split(",") if c.strip())
            settings = replace(settings, conf_type=args.conf_type, conf_level=args.conf_level,
                               cox_covariates=covariates)
        for item in args.filter:
            column, sep, values = item.partition("=")
            if not sep:
                parser.error(f"--filter {item!r}: expected COLUMN=V1|V2")
            settings = settings.with_filter(column, tuple(values.split("|")))
    except ValueError as exc:
        parser.error(str(exc))
    return settings


def _classify(cohort: Cohort, report: ValidationReport, settings: Settings,
              args: argparse.Namespace) -> int:
    result = classify(cohort, settings)
    out = {
        "settings": to_jsonable(settings),
        "fingerprint": cohort.fingerprint,
        "synthetic": cohort.synthetic,
        "n_patients": cohort.n_patients,
        "n_homogeneous": result.n_homogeneous,
        "n_heterogeneous": result.n_heterogeneous,
        "n_excluded": result.n_excluded,
        "notes": list(result.notes),
        "warnings": [i.describe() for i in report.warnings],
    }
    if args.per_patient:
        out["per_patient"] = to_jsonable(result.per_patient)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"cohort {cohort.fingerprint}{' (synthetic demo)' if cohort.synthetic else ''}: "
              f"{cohort.n_patients} patients")
        print(f"rule {settings.rule}, cutoff {settings.cutoff_pct:g} %, positivity "
              f"{settings.positivity}: {result.n_homogeneous} homogeneous, "
              f"{result.n_heterogeneous} heterogeneous, {result.n_excluded} excluded")
        for note in result.notes:
            print(f"NOTE     {note}")
        if args.per_patient:
            print(result.per_patient.to_string())
    return 0


def _analyze(cohort: Cohort, report: ValidationReport, settings: Settings,
             files: list[InputFile], args: argparse.Namespace) -> int:
    from her2dash.export.jsonout import analyze_json
    from her2dash.ledger import Ledger, exploration_status, status_jsonable

    out = analyze_json(cohort, settings, input_block=_input_json(cohort, report, files),
                       suppression=_suppression(args), extra={
        # One setting analysed headlessly: pre-specified only if --prespecified names it.
        "exploration": status_jsonable(exploration_status(settings, Ledger(), args.locked))})
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0


def _input_json(cohort: Cohort, report: ValidationReport, files: list[InputFile]) -> dict:
    from her2dash.export.jsonout import input_json

    return input_json(cohort, [i.describe() for i in report.warnings],
                      [{"name": f.name, "bytes": len(f.data), "sha256": f.sha256} for f in files])


def _threshold(raw: str) -> int:
    """--suppress-below: 0 (off) or a whole number ≥ 2, else a usage error in words."""
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value != 0 and value < 2:
        raise argparse.ArgumentTypeError("must be 0 (off) or at least 2")
    return value


def _suppress_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suppress-below", type=_threshold, default=None, metavar="N",
                   help="mask counts 1 … N−1 (small-count suppression, stated on the output); "
                        "0 = off; default: $HER2DASH_SUPPRESS_BELOW, else off")


def _suppression(args: argparse.Namespace):
    """--suppress-below N, else the deployment default (HER2DASH_SUPPRESS_BELOW)."""
    from her2dash.suppress import from_threshold, read_deployment_default

    if args.suppress_below is None:
        default, problem = read_deployment_default()
        if problem:
            print(f"WARNING  {problem}", file=sys.stderr)
        return default
    return from_threshold(args.suppress_below)


def _verify(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from her2dash.verify import verify

    cohort, report, _ = _load(args, parser)
    if cohort is None:
        _print_validation(report, args)
        print(f"CANNOT VERIFY {args.output}: the data given did not validate")
        return 2
    result = verify(args.output, cohort, [i.describe() for i in report.warnings])
    if result.refused is None:
        for check in result.checks:
            if not (args.mismatches_only and check.ok):
                print(check.describe())
        for what in result.skipped:
            print(f"SKIPPED   {what}")
    print(result.summary())
    return result.exit_code


def _write(text: str, out: Path | None) -> None:
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {out}")


def _sweep(cohort: Cohort, report: ValidationReport, settings: Settings,
           files: list[InputFile], args: argparse.Namespace) -> int:
    from her2dash.export.jsonout import SweepParameters, explore_with, sweep_json

    if args.step <= 0 or args.min_group < 1 or args.permutations < 0 or args.bootstrap < 0:
        print("--step must be > 0, --min-group ≥ 1, --permutations and --bootstrap ≥ 0")
        return 2
    parameters = SweepParameters(step=args.step, min_group=args.min_group,
                                 permutations=args.permutations, seed=args.seed,
                                 bootstrap=args.bootstrap, split_sample=args.split_sample)
    suppression = _suppression(args)
    result = explore_with(cohort, settings, parameters)
    if isinstance(result, Unavailable):
        print(f"cannot sweep: {result.reason}")
        return 2
    if args.format == "csv":
        from her2dash.export.spreadsheet import to_csv_bytes
        from her2dash.suppress import mask_count_columns
        from her2dash.tables.cutoff import sweep_table

        table = sweep_table(result.sweep)
        if suppression.enabled:
            table = mask_count_columns(table, {"eligible": ("n_homogeneous", "n_heterogeneous")},
                                       suppression)
            _write(to_csv_bytes(table, suppression=suppression).decode("utf-8-sig").rstrip(),
                   args.out)
        else:
            _write(table.to_csv(index=False).rstrip("\n"), args.out)
        return 0
    out = sweep_json(cohort, settings, parameters, input_block=_input_json(cohort, report, files),
                     suppression=suppression, result=result)
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0


def _report(cohort: Cohort, settings: Settings, args: argparse.Namespace) -> int:
    from her2dash.export.report import build_report, to_html, to_pdf

    if args.permutations < 0:
        print("--permutations must be ≥ 0")
        return 2
    from her2dash.ledger import Ledger, exploration_status

    report = build_report(cohort, settings, permutations=args.permutations,
                          exploration=exploration_status(settings, Ledger(), args.locked),
                          suppression=_suppression(args))
    if args.format == "html":
        data: bytes | Unavailable = to_html(report).encode("utf-8")
    elif args.format == "pdf":
        data = to_pdf(report)
    else:
        from her2dash.export.deck import to_pptx

        data = to_pptx(report)
    if isinstance(data, Unavailable):
        print(f"the {args.format} report is not available: {data.reason}")
        return 2
    args.out.write_bytes(data)
    print(f"wrote {args.out}")
    return 0


def _literature(cohort: Cohort | None, report: ValidationReport | None,
                settings: Settings | None, files: list[InputFile],
                args: argparse.Namespace) -> int:
    """The comparison as JSON: display rows, the numbers behind them, the citations."""
    from her2dash import literature
    from her2dash.tables.literature import citation_text, comparison_frame

    if cohort is None or report is None or settings is None:
        citations = {c.key: c for p in literature.PUBLISHED for c in (p.citation, p.reported_in)
                     if c is not None} | {d.citation.key: d.citation
                                          for d in literature.DEFINITIONS}
        out: dict = {"her2dash_version": __version__,
                     "published": to_jsonable(literature.PUBLISHED),
                     "definitions": to_jsonable(literature.DEFINITIONS),
                     "citations": [citation_text(c) for c in citations.values()]}
    else:
        from her2dash.analysis import analyze

        comparison = literature.compare(analyze(cohort, settings), settings)
        out = {"her2dash_version": __version__, "settings": to_jsonable(settings),
               "input": _input_json(cohort, report, files),
               "comparison": comparison_frame(comparison).to_dict(orient="records"),
               "literature": to_jsonable(comparison),
               "citations": [citation_text(c) for c in comparison.citations]}
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0


def _prespecified_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--prespecified", metavar="'rule=…&cutoff_pct=…'",
                   help="the pre-specified analysis, as a link's query string ('paper' = the "
                        "defaults): results at it are labelled pre-specified, others "
                        "exploratory")


def _prespecified(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Settings | None:
    raw = getattr(args, "prespecified", None)
    if raw is None:
        return None
    from her2dash.ledger import settings_from_query

    locked, problems = settings_from_query(raw)
    if locked is None:
        parser.error(f"--prespecified {raw!r}: {'; '.join(problems)}")
    return locked


def _ledger(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from her2dash.ledger import (
        adjusted_p,
        analysis_fields,
        ledger_of,
        ledger_table,
        read_settings_file,
    )
    from her2dash.tables.ledger import setting_text

    if args.permutations < 1:
        parser.error("--permutations must be ≥ 1")
    try:
        text = args.settings_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        parser.error(f"--settings-file {args.settings_file}: cannot read it ({exc})")
    explored, problems = read_settings_file(text)
    if problems:
        parser.error(f"--settings-file {args.settings_file}: " + "; ".join(problems))
    locked = _prespecified(args, parser)
    cohort, report, files = _load(args, parser)
    if cohort is None:
        _print_validation(report, args)
        return 1
    ledger = ledger_of(explored)
    rows = ledger_table(cohort, ledger)
    result = adjusted_p(cohort, ledger, args.permutations, args.seed)
    entries = []
    for j, row in enumerate(rows):
        entry = {"setting": setting_text(row.settings),
                 "settings": to_jsonable(analysis_fields(row.settings)),
                 "prespecified": locked is not None and row.settings == locked,
                 "n_homogeneous": row.n_homogeneous, "n_heterogeneous": row.n_heterogeneous,
                 "n_excluded": row.n_excluded, "logrank": to_jsonable(row.logrank),
                 "hazard_ratio": to_jsonable(row.hazard_ratio)}
        if not isinstance(result, Unavailable):
            entry |= {"permutation_p": to_jsonable(result.permutation_p[j]),
                      "adjusted_p": to_jsonable(result.adjusted_p[j]),
                      "left_out": result.reasons[j]}
        entries.append(entry)
    adjusted = to_jsonable(result)
    if isinstance(adjusted, dict) and "entries" in adjusted:
        # Per entry above; the permuted maxima are for plots, not for the record.
        adjusted = {k: v for k, v in adjusted.items() if k not in (
            "entries", "statistics", "naive_p", "permutation_p", "adjusted_p", "reasons",
            "permutation_maxima")}
    out = {"her2dash_version": __version__, "input": _input_json(cohort, report, files),
           "n_explored": len(ledger), "n_duplicates": len(explored) - len(ledger),
           "prespecified": None if locked is None else to_jsonable(analysis_fields(locked)),
           "entries": entries, "adjusted": adjusted}
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0


def _template(out: Path) -> int:
    from her2dash.template import template_csv, template_xlsx

    if out.suffix.lower() == ".xlsx":
        out.write_bytes(template_xlsx())
        print(f"wrote {out}")
    else:
        out.mkdir(parents=True, exist_ok=True)
        patients, fragments = template_csv()
        (out / "patients.csv").write_bytes(patients)
        (out / "fragments.csv").write_bytes(fragments)
        print(f"wrote {out / 'patients.csv'} and {out / 'fragments.csv'}")
    return 0


_PER_DRAW = ("hazard_ratio", "ci_low", "ci_high", "logrank_p", "pct_changed_draws")


def _resample(cohort: Cohort, report: ValidationReport, settings: Settings,
              files: list[InputFile], args: argparse.Namespace) -> int:
    from her2dash.resampling import resample

    endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    if args.draws < 1 or not endpoints or not set(endpoints) <= set(ENDPOINTS):
        print("--draws must be ≥ 1 and --endpoints a comma list of pfs, os")
        return 2
    exact = {"auto": None, "yes": True, "no": False}[args.exact]
    result = resample(cohort, settings, n_draws=args.draws, seed=args.seed, exact=exact)
    body = to_jsonable(result)
    if isinstance(body, dict) and body.get("available", True):
        body["endpoints"] = {k: v for k, v in body["endpoints"].items() if k in endpoints}
        if not args.per_draw:
            body.pop("pct_changed_draws")
            for e in body["endpoints"].values():
                for key in _PER_DRAW:
                    e.pop(key, None)
        if not args.per_patient:
            body.pop("per_patient")
            body["leave_one_out"].pop("per_fragment")
            body["leave_one_out"].pop("per_patient")
    out = {"her2dash_version": __version__, "settings": to_jsonable(settings),
           "input": _input_json(cohort, report, files), "resampling": body}
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0
