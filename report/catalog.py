"""The report's contents: sections, and per chart its model, query, one-line reading and empty state.

A reading is one SQL row over the chart's model plus a sentence template: its numbers are picked or
summed in SQL (latest week, largest bucket, total), never computed in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import altair as alt

from report import charts
from report.queries import Query, Row


@dataclass(frozen=True)
class Reading:
    sql: str
    template: str  # str.format over the SQL row; no reading when the row is missing or has a null


@dataclass(frozen=True)
class ChartDef:
    key: str
    title: str
    query: Query
    build: Callable[[Sequence[Row]], alt.TopLevelMixin]
    reading: Reading
    empty: str
    wide: bool = False


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    charts: tuple[ChartDef, ...]


HEADLINE = Query(
    "mart_report_headline",
    ("period_start", "period_end", "installations", "active_last_7_days", "active_last_30_days", "events",
     "trainings", "trainings_completed", "model_tests", "server_starts", "newest_rasa_version"),
)  # fmt: skip

ENDPOINTS = {"tracker_store": "Tracker store", "event_broker": "Event broker", "lock_store": "Lock store"}
API_WORKERS = {"api": "HTTP API", "workers": "Sanic workers"}
TOP_LEVEL = {"run_level": ("top_level",)}

TRAINING = Section("training", "Training", (
    ChartDef(
        "training_runtime_weekly", "Training runtime per week (p50 and p90)",
        Query("mart_training_runtimes_weekly",
              ("training_week", "run_level", "model_type", "runtime_p50_seconds", "runtime_p90_seconds"),
              ("training_week", "run_level", "model_type")),
        charts.runtime_weekly,
        Reading("select training_week, runtime_p50_seconds, runtime_p90_seconds, runs_with_runtime "
                "from main.mart_training_runtimes_weekly where run_level = 'top_level' and model_type = 'rasa' "
                "order by training_week desc limit 1",
                "In the week of {training_week:%b %d}, a full `rasa train` took {runtime_p50_seconds:,.0f} s at "
                "the median and {runtime_p90_seconds:,.0f} s at p90 ({runs_with_runtime:,} completed runs)."),
        "No completed training run with a runtime yet.", wide=True,
    ),
    ChartDef(
        "training_completion_weekly", "Training completion rate per week (top-level runs)",
        Query("mart_training_runtimes_weekly", ("training_week", "model_type", "completion_rate", "runs_started"),
              ("training_week", "model_type"), TOP_LEVEL),
        charts.completion_weekly,
        Reading("select training_week, completion_rate, runs_started from main.mart_training_runtimes_weekly "
                "where run_level = 'top_level' and model_type = 'rasa' order by training_week desc limit 1",
                "{completion_rate:.0%} of the {runs_started:,} `rasa train` runs started in the week of "
                "{training_week:%b %d} completed; the rest failed or were stopped."),
        "No training run started yet.",
    ),
    ChartDef(
        "training_runtime_by_size", "Training runtime by size of the training data",
        Query("mart_training_runtimes_by_size",
              ("intent_examples_from", "intent_examples_bucket", "model_type", "runs", "runtime_p10_seconds",
               "runtime_p25_seconds", "runtime_p50_seconds", "runtime_p75_seconds", "runtime_p90_seconds"),
              ("intent_examples_from", "model_type")),
        charts.runtime_by_size,
        Reading("select intent_examples_bucket, runtime_p50_seconds, runs from main.mart_training_runtimes_by_size "
                "where model_type = 'rasa' order by runs desc, intent_examples_from limit 1",
                "Most `rasa train` runs have {intent_examples_bucket} intent examples ({runs:,} runs); they take "
                "{runtime_p50_seconds:,.0f} s at the median. Boxes: p25 to p75, whiskers: p10 to p90, line: median."),
        "No completed top-level run with a runtime and data size yet.",
    ),
))  # fmt: skip

NLU_TESTS = Section("nlu-tests", "NLU tests", (
    ChartDef(
        "nlu_test_sizes", "Size of the test sets of `rasa test nlu`",
        Query("mart_nlu_test_size_distribution", ("size_measure", "size_from", "size_bucket", "nlu_tests"),
              ("size_measure", "size_from")),
        charts.nlu_test_sizes,
        Reading("select size_bucket, nlu_tests from main.mart_nlu_test_size_distribution "
                "where size_measure = 'num_intent_examples' order by nlu_tests desc, size_from limit 1",
                "The most common test set has {size_bucket} intent examples ({nlu_tests:,} tests); buckets grow "
                "1-2-5 (0, 1, 2-4, 5-9, 10-19, ...)."),
        "No Model NLU Tested event yet.", wide=True,
    ),
))  # fmt: skip

_SETTINGS_COLUMNS = ("start_month", "setting", "setting_value", "server_starts", "server_start_share")

SERVERS = Section("servers", "Servers", (
    ChartDef(
        "server_endpoints_monthly", "Tracker store, event broker and lock store types per month",
        Query("mart_server_settings_monthly", _SETTINGS_COLUMNS, ("start_month", "setting", "server_starts desc"),
              {"setting": tuple(ENDPOINTS)}),
        partial(charts.setting_shares, settings=ENDPOINTS),
        Reading("select start_month, server_start_share from main.mart_server_settings_monthly "
                "where setting = 'tracker_store' and setting_value = 'none' order by start_month desc limit 1",
                "In {start_month:%B %Y}, {server_start_share:.0%} of the server starts kept conversations in the "
                "default in-memory tracker store ('none': no tracker store configured)."),
        "No Server Started event yet.", wide=True,
    ),
    ChartDef(
        "server_input_channels", "Input channels per month",
        Query("mart_server_input_channels", ("start_month", "input_channel", "server_starts"),
              ("start_month", "server_starts desc", "input_channel")),
        charts.input_channels,
        Reading("select start_month, input_channel, server_starts from main.mart_server_input_channels "
                "order by start_month desc, server_starts desc limit 1",
                "In {start_month:%B %Y}, '{input_channel}' was the most used channel ({server_starts:,} server "
                "starts); a server with several channels counts under each."),
        "No server start with an input channel yet.",
    ),
    ChartDef(
        "server_api_workers", "HTTP API enabled and Sanic workers per month",
        Query("mart_server_settings_monthly", _SETTINGS_COLUMNS, ("start_month", "setting", "server_starts desc"),
              {"setting": tuple(API_WORKERS)}),
        partial(charts.setting_shares, settings=API_WORKERS, stacked=True),
        Reading("select start_month, server_start_share from main.mart_server_settings_monthly "
                "where setting = 'api' and setting_value = 'enabled' order by start_month desc limit 1",
                "In {start_month:%B %Y}, {server_start_share:.0%} of the server starts enabled the HTTP API "
                "(`--enable-api`)."),
        "No Server Started event yet.",
    ),
))  # fmt: skip

ADOPTION = Section("adoption", "Adoption", (
    ChartDef(
        "adoption_versions", "Active installations per week by Rasa minor version",
        Query("mart_rasa_version_adoption", ("activity_week", "rasa_minor_version", "active_installations"),
              ("activity_week", "rasa_minor_version")),
        charts.version_adoption,
        Reading("select activity_week, rasa_minor_version, installation_share from main.mart_rasa_version_adoption "
                "order by activity_week desc, active_installations desc, rasa_minor_version desc limit 1",
                "In the week of {activity_week:%b %d}, Rasa {rasa_minor_version} was the most used minor version "
                "({installation_share:.0%} of the active installations); one that ran two versions counts twice."),
        "No event yet.",
    ),
    ChartDef(
        "activation_funnel", "Activation funnel per weekly cohort",
        Query("mart_activation_funnel", ("cohort_week", *charts.FUNNEL_STEPS), ("cohort_week",)),
        charts.activation_funnel,
        Reading("select cohort_week, installations, completed_funnel_share from main.mart_activation_funnel "
                "order by installations desc, cohort_week desc limit 1",
                "Of the {installations:,} installations first seen in the week of {cohort_week:%b %d} (the largest "
                "cohort), {completed_funnel_share:.0%} created a project, trained, tested and started a server."),
        "No installation yet.",
    ),
))  # fmt: skip

LOAD_COLORS = {"loaded": charts.GREY, "failed": charts.RED}

DATA_QUALITY = Section("data-quality", "Data quality", (
    ChartDef(
        "dq_rejected_daily", "Rejected lines per day by reason",
        Query("quality_rejected_lines_daily", ("archive_date", "reason", "rejected_records"),
              ("archive_date", "reason")),
        partial(charts.daily_stacked, day="archive_date", value="rejected_records", series="reason",
                title="Rejected lines"),
        Reading("select reason, sum(rejected_records) as rejected from main.quality_rejected_lines_daily "
                "group by reason order by rejected desc, reason limit 1",
                "The most common reject reason is {reason} ({rejected:,} lines); rejected lines are kept in "
                "raw.rejected_events."),
        "No line was rejected.",
    ),
    ChartDef(
        "dq_file_loads", "Files loaded per day, and files that failed to load",
        Query("quality_file_loads_daily", ("archive_date", "status", "files"), ("archive_date", "status")),
        partial(charts.daily_stacked, day="archive_date", value="files", series="status", title="Files",
                colors=LOAD_COLORS),
        Reading("select count(*) as failed, count(case when not is_loaded_later then 1 end) as still_failed "
                "from main.quality_failed_file_loads",
                "Failed file loads: {failed:,}, of which {still_failed:,} were not loaded since (listed below)."),
        "No file was loaded.",
    ),
    ChartDef(
        "dq_type_violations", "Type violations by event and property",
        Query("quality_type_violations_by_property", ("event", "property", "actual_json_type", "violations"),
              ("event", "property", "actual_json_type")),
        partial(charts.bars_by_event, label="property", value="violations", title="Messages", color="actual_json_type"),
        Reading("select count(distinct event || '.' || property) as properties, sum(violations) as violations "
                "from main.quality_type_violations_by_property",
                "{violations:,} values in {properties:,} properties had the wrong JSON type; staging typed them as "
                "NULL (see quality_property_type_violations)."),
        "No property had the wrong type.", wide=True,
    ),
    ChartDef(
        "dq_unknown_events", "Unknown events",
        Query("quality_unknown_events", ("event", "events"), ("events desc", "event")),
        partial(charts.bars, label="event", value="events", title="Messages"),
        Reading("select count(*) as names, sum(events) as events from main.quality_unknown_events",
                "{events:,} messages carried {names:,} event names the spec does not list."),
        "Every event is in the spec.",
    ),
    ChartDef(
        "dq_unknown_properties", "Unknown properties",
        Query("quality_unknown_properties", ("event", "property", "events"), ("event", "events desc", "property")),
        partial(charts.bars_by_event, label="property", value="events", title="Messages"),
        Reading("select count(*) as properties, sum(events) as events from main.quality_unknown_properties",
                "{properties:,} properties of known events are not in the spec ({events:,} messages)."),
        "Every property is in the spec.",
    ),
))  # fmt: skip

SECTIONS: tuple[Section, ...] = (TRAINING, NLU_TESTS, SERVERS, ADOPTION, DATA_QUALITY)

FAILED_FILES = Query(
    "quality_failed_file_loads", ("source_file", "error", "is_loaded_later", "started_at"),
    ("started_at desc", "source_file"), limit=20,
)  # fmt: skip


def all_charts() -> list[ChartDef]:
    return [chart for section in SECTIONS for chart in section.charts]
