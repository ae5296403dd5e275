"""Benchmark the GX validation, from scratch and nightly, each figure next to its target.

    .venv/bin/python bench/gx.py [--events 10000000] [--dir bench/out/gx] [--keep]
    .venv/bin/python bench/gx.py --archive DIR [--dir bench/out/gx] [--keep]

Synthetic (default): N raw.events rows made in DuckDB SQL, following wire-format.md per event type
(pipeline/policies as lists of config dicts, null endpoints, 3.x Markers events...) with every spec
type respected, so every suite should pass; then ``python -m expectations --full``.

Real-shaped (``--archive``): a Segment archive written by the generator
(``segment-logs/<source>/<day-ms>/*.gz``). The loader lands every day but the last (kept as
``base.duckdb`` for ``--keep``); on a copy, GX validates it from scratch; then the loader lands the
last day and GX runs again, as a nightly run does (only the new loads, cumulative report).

Each validation runs as a child process, after ``os.sync()`` (so the writeback of the copy or of the
loader is not timed); its wall time, CPU seconds and peak RSS (``os.wait4``) are printed with the load
average, since the machine may be shared. Targets: from scratch 10M events in
<= 60 s and <= 2 GB; nightly <= 10 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from common.settings import STORAGE_VERSION  # noqa: E402
from loaders.schema import ensure_schema  # noqa: E402

GX = ["-m", "expectations", "run"]

PIPELINE = (
    '[{"name":"WhitespaceTokenizer"},{"name":"RegexFeaturizer"},{"name":"LexicalSyntacticFeaturizer"},'
    '{"name":"CountVectorsFeaturizer"},{"name":"CountVectorsFeaturizer","analyzer":"char_wb","min_ngram":1,'
    '"max_ngram":4},{"name":"DIETClassifier","epochs":100,"constrain_similarities":true},'
    '{"name":"EntitySynonymMapper"},{"name":"ResponseSelector","epochs":100},'
    '{"name":"FallbackClassifier","threshold":0.3,"ambiguity_threshold":0.1}]'
)
POLICIES = '[{"name":"MemoizationPolicy"},{"name":"RulePolicy"},{"name":"TEDPolicy","max_history":5,"epochs":100}]'

#: (event, weight, SQL expression for the properties JSON without metrics_id; ``h`` = a hash of the row)
EVENTS: list[tuple[str, int, str]] = [
    (
        "Training Started",
        28,
        'printf(\'{"language":"en","training_id":"%s","type":"%s","pipeline":%s,"policies":%s,'
        '"num_intent_examples":%d,"num_entity_examples":%d,"num_actions":%d,"num_templates":%d,'
        '"num_conditional_response_variations":0,"num_slots":%d,"num_forms":%d,"num_intents":%d,'
        '"num_entities":%d,"num_story_steps":%d,"num_lookup_tables":0,"num_synonyms":%d,"num_regexes":0,'
        "\"is_finetuning\":false,', md5(message_id), ['rasa','nlu','core'][h % 3 + 1], "
        f"'{PIPELINE}', '{POLICIES}', h % 900, h % 300, h % 60 + 18, h % 40, h % 12, h % 4, h % 30 + 2, "
        "h % 9, h % 80, h % 20)",
    ),
    (
        "Training Completed",
        24,
        'printf(\'{"training_id":"%s","type":"nlu","runtime":%d,\', md5(message_id), h % 900)',
    ),
    (
        "Server Started",
        11,
        'printf(\'{"input_channels":["rest","rasa"],"api_enabled":%s,"number_of_workers":1,'
        '"endpoints_nlg":null,"endpoints_nlu":null,"endpoints_action_server":null,'
        '"endpoints_model_server":null,"endpoints_tracker_store":"sql","endpoints_lock_store":"redis",'
        '"endpoints_event_broker":"pika","project":"%s%s",\', '
        "case when h % 2 = 0 then 'true' else 'false' end, md5(user_id), md5(user_id))",
    ),
    ("Shell Started", 6, '\'{"type":"rasa",\''),
    (
        "Model NLU Tested",
        4,
        'printf(\'{"num_intent_examples":%d,"num_entity_examples":%d,"num_lookup_tables":0,'
        '"num_synonyms":0,"num_regexes":1,\', h % 500, h % 50)',
    ),
    ("Model Core Tested", 4, 'printf(\'{"project":null,"end_to_end":false,"num_story_steps":%d,\', h % 40)'),
    ("Project Created", 4, 'printf(\'{"init_directory":"%s%s",\', md5(user_id), md5(message_id))'),
    ("Training Data Validated", 3, "'{\"validation_success\":true,'"),
    ("Training Data Split", 2, '\'{"fraction":0.8,"type":"nlu",\''),
    ("Training Data Converted", 2, '\'{"output_format":"yaml","type":"nlu",\''),
    ("Interactive Learning Started", 2, '\'{"skip_visualization":false,"save_in_e2e":true,\''),
    (
        "Tracker Exported",
        2,
        'printf(\'{"number_of_exported_events":%d,"tracker_store":"SQLTrackerStore",'
        '"event_broker":"PikaEventBroker",\', h % 20000)',
    ),
    ("Rasa X Local Started", 2, "'{'"),
    ("Story Visualization Started", 1, "'{'"),
    ("Telemetry Disabled", 1, "'{'"),
    (
        "Markers Extraction Initiated",
        1,
        '\'{"strategy":"sample_n","only_extract":true,"seed":true,"count":100,\'',
    ),
    ("Markers Parsed", 1, '\'{"marker_count":3,"max_depth":2,"branching_factor":2,\''),
    ("Markers Extracted", 1, "'{\"trackers_count\":100,'"),
    ("Markers Statistics Computed", 1, "'{\"trackers_count\":100,'"),
]


def synthesize(con: duckdb.DuckDBPyConnection, n: int) -> None:
    """Insert ``n`` rows into raw.events, entirely in SQL."""
    ensure_schema(con)
    buckets, props, upper = [], [], 0
    for event, weight, expr in EVENTS:
        upper += weight
        buckets.append(f"when b < {upper} then '{event}'")
        props.append(f"when '{event}' then {expr}")
    total = upper
    con.execute(
        f"""
        insert into raw.events (
            message_id, event, user_id, event_at, event_at_source, received_at, "timestamp", message_type,
            properties, context, is_generated_message_id, load_id, source_file, file_sha256, line_number,
            record_index
        )
        with base as (
            select
                i,
                'api-' || lpad(i::varchar, 27, '0') as message_id,
                md5((i // 40)::varchar) as user_id,
                (hash(i) % 1000003)::bigint as h,
                (hash(i * 31 + 7) % {total})::bigint as b
            from range({n}) as r(i)
        ),
        typed as (select *, case {" ".join(buckets)} end as event from base),
        shaped as (
            select
                *,
                (case event {" ".join(props)} end) || '"metrics_id":"' || user_id || '"}}' as props,
                '{{"os":{{"name":"Linux","version":"5.15.0"}},"ci":false,"project":"' || md5(user_id)
                    || md5(user_id) || '","directory":"' || user_id || user_id || '","python":"3.8.12",'
                    || '"rasa_open_source":"2.8.34","cpu":8,"docker":false,'
                    || '"library":{{"name":"unknown","version":"unknown"}}}}' as ctx
            from typed
        )
        select
            message_id, event, user_id,
            timestamp '2023-01-02' + to_seconds(i % 2419200) as event_at,
            'timestamp', timestamp '2023-01-02' + to_seconds(i % 2419200),
            timestamp '2023-01-02' + to_seconds(i % 2419200), 'track',
            props::json, ctx::json, false, i // 1000000 + 1, 'bench', 'bench', i, null
        from shaped
        """
    )


def measure(label: str, argv: list[str], db: Path, target_s: float, target_mb: float | None = None) -> int:
    """Run one child; print its wall time, CPU seconds and peak RSS next to the targets. Returns its exit code."""
    env = {**os.environ, "TELEMETRY_DB": str(db), "GX_ANALYTICS_ENABLED": "false"}
    os.sync()  # the copy's or the loader's writeback is not this run's
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], cwd=REPO, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    peak_mb = usage.ru_maxrss / 1024
    within = wall <= target_s and (target_mb is None or peak_mb <= target_mb)
    budget = f"{target_s:.0f} s" + (f" / {target_mb / 1024:.0f} GB" if target_mb else "")
    print(
        f"{label}: wall {wall:.1f}s, CPU {usage.ru_utime + usage.ru_stime:.1f}s, peak RSS {peak_mb:,.0f} MB, "
        f"exit {os.waitstatus_to_exitcode(status)}, load average {load:.1f} "
        f"({'within' if within else 'OVER'} the {budget} target)"
    )
    return os.waitstatus_to_exitcode(status)


def synthetic(args: argparse.Namespace) -> int:
    db = args.dir / f"bench_{args.events}.duckdb"
    if not (args.keep and db.exists()):
        db.unlink(missing_ok=True)
        started = time.perf_counter()
        con = duckdb.connect(str(db), config={"storage_compatibility_version": STORAGE_VERSION})
        synthesize(con, args.events)
        con.close()
        print(f"synthesized {args.events:,} raw.events rows in {time.perf_counter() - started:.1f}s ({db})")
    report = str(args.dir / "report")
    return measure(f"validated {args.events:,} events from scratch", [*GX, "--full", "--out", report], db, 60, 2048)


def _load(days: list[Path], db: Path) -> None:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "loaders", "load", *map(str, days), "--db", str(db)], cwd=REPO, check=True)
    print(f"loaded {len(days)} day(s) in {time.perf_counter() - started:.1f}s")


def archive(args: argparse.Namespace) -> int:
    """From scratch on every day but the last, then the nightly run after the last day is loaded."""
    days = sorted(path for path in args.archive.glob("segment-logs/*/*") if path.is_dir())
    if len(days) < 2:
        raise SystemExit(f"{args.archive}: expected segment-logs/<source>/<day-ms>/ folders (at least two days)")
    base, db = args.dir / "base.duckdb", args.dir / "warehouse.duckdb"
    if not (args.keep and base.exists()):
        base.unlink(missing_ok=True)
        _load(days[:-1], base)
    db.unlink(missing_ok=True)
    shutil.copyfile(base, db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select count(*) from raw.events").fetchone()
    con.close()
    report = ["--out", str(args.dir / "report")]
    first = measure(f"from scratch, {rows[0] if rows else 0:,} events", [*GX, *report], db, 60, 2048)
    _load(days[-1:], db)
    nightly = measure(f"nightly, the last day ({days[-1].name})", [*GX, *report], db, 10)
    return max(first, nightly)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="synthetic rows (without --archive)")
    parser.add_argument("--archive", type=Path, help="a generator archive: from scratch, then nightly")
    parser.add_argument("--dir", type=Path, default=REPO / "bench" / "out" / "gx")
    parser.add_argument("--keep", action="store_true", help="reuse the warehouse made by an earlier run")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    return archive(args) if args.archive else synthetic(args)


if __name__ == "__main__":
    sys.exit(main())
