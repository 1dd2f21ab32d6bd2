"""Command line: every number the dashboard shows, headless.

    python -m her2dash validate  --patients P --fragments F | --cohort FILE | FILE [FILE] [--json]
    python -m her2dash classify  (the same inputs) | --demo  [--rule ... --cutoff ...] [--json]
    python -m her2dash analyze   (the same inputs) | --demo  [--rule ... --cutoff ...] [--out F]
    python -m her2dash sweep     (the same inputs) | --demo  [--step 1 --permutations 1000 ...]
    python -m her2dash report    (the same inputs) | --demo  --format html|pdf|pptx --out FILE
    python -m her2dash template  --out cohort-template.xlsx

Exit codes: 0 success, 1 the data did not validate, 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
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
from her2dash.results import to_jsonable
from her2dash.settings import CONF_TYPES, ENDPOINTS, POSITIVITY_THRESHOLDS, RULES, Settings
from her2dash.validate import ValidationReport, auto_mapping, build_cohort


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
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _settings_options(p: argparse.ArgumentParser) -> None:
    d = Settings()
    p.add_argument("--rule", choices=RULES, default=d.rule)
    p.add_argument("--cutoff", type=float, default=d.cutoff_pct, metavar="PCT",
                   help="heterogeneity cutoff in %% (default: the paper's 100)")
    p.add_argument("--positivity", choices=POSITIVITY_THRESHOLDS, default=d.positivity,
                   help="'2+' counts 2+/3+ as positive (the paper), '3+' only 3+")
    p.add_argument("--min-fragments", type=int, default=d.min_fragments)
    p.add_argument("--max-fragments", type=int, default=None)
    p.add_argument("--filter", action="append", default=[], metavar="COLUMN=V1|V2",
                   help="keep patients whose COLUMN is one of the values, e.g. platinum=yes")
    p.add_argument("--endpoint", choices=ENDPOINTS, default=d.endpoint)


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
    r = sub.add_parser("report", help="the whole analysis as a self-contained HTML report, "
                       "its PDF, or a PPTX slide deck")
    _input_options(r)
    _analysis_options(r)
    r.add_argument("--format", choices=("html", "pdf", "pptx"), default="html")
    r.add_argument("--permutations", type=int, default=1000,
                   help="permutations for the cutoff sweep's adjusted p (0 = Lau92 only)")
    r.add_argument("--out", type=Path, required=True, help="the file to write")
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
        # Settings first: a usage error is reported before any file is read.
        settings = _settings(args, parser) if args.command != "validate" else None
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
        if args.command == "report":
            return _report(cohort, settings, args)
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
    cohort, report = build_cohort(raw, mapping, dates=dates)
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
        settings = Settings(rule=args.rule, cutoff_pct=args.cutoff, positivity=args.positivity,
                            min_fragments=args.min_fragments, max_fragments=args.max_fragments,
                            endpoint=args.endpoint)
        if args.command in ("analyze", "report"):
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
    from her2dash.analysis import analyze

    out = {
        "her2dash_version": __version__,
        "settings": to_jsonable(settings),
        "input": _input_json(cohort, report, files),
        "analysis": to_jsonable(analyze(cohort, settings)),
    }
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0


def _input_json(cohort: Cohort, report: ValidationReport, files: list[InputFile]) -> dict:
    return {
        "files": [{"name": f.name, "bytes": len(f.data), "sha256": f.sha256} for f in files],
        "cohort_fingerprint": cohort.fingerprint,
        "synthetic": cohort.synthetic,
        "warnings": [i.describe() for i in report.warnings],
    }


def _write(text: str, out: Path | None) -> None:
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {out}")


def _sweep(cohort: Cohort, report: ValidationReport, settings: Settings,
           files: list[InputFile], args: argparse.Namespace) -> int:
    from her2dash.cutoff import explore

    if args.step <= 0 or args.min_group < 1 or args.permutations < 0 or args.bootstrap < 0:
        print("--step must be > 0, --min-group ≥ 1, --permutations and --bootstrap ≥ 0")
        return 2
    result = explore(cohort, settings, step=args.step, min_group=args.min_group,
                     permutations=args.permutations, seed=args.seed, n_boot=args.bootstrap,
                     split=args.split_sample)
    if args.format == "csv":
        from her2dash.tables.cutoff import sweep_table

        _write(sweep_table(result.sweep).to_csv(index=False).rstrip("\n"), args.out)
        return 0
    out = {"her2dash_version": __version__, "settings": to_jsonable(result.settings),
           "input": _input_json(cohort, report, files), "sweep": to_jsonable(result)}
    _write(json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False), args.out)
    return 0


def _report(cohort: Cohort, settings: Settings, args: argparse.Namespace) -> int:
    from her2dash.export.report import build_report, to_html, to_pdf
    from her2dash.results import Unavailable

    if args.permutations < 0:
        print("--permutations must be ≥ 0")
        return 2
    report = build_report(cohort, settings, permutations=args.permutations)
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


