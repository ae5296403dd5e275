"""Every file generated from the project's single definitions (``python -m common generate``).

From the spec seed (``seeds/telemetry_event_properties.csv``), the envelope (:mod:`.envelope`), the JSON
type map (:mod:`common.json_types`) and the reject reasons (:mod:`common.reasons`):

- ``models/staging/stg_telemetry__events.sql`` and one ``stg_telemetry__<event_slug>.sql`` per spec event;
- ``models/staging/_staging__models.yml`` (docs, tests, contracts);
- ``expectations/suites/*.json`` (the GX suites, built by :mod:`expectations.suites`);
- generated blocks in hand-written files: DuckDB's typing rules in ``macros/json.sql``, the reject
  reasons in ``models/staging/_staging__sources.yml`` and ``README.md``, the per-event staging models
  in the quality models that read them all
  and in the inputs of the quality unit test.

The generator owns ``models/staging/stg_telemetry__*.sql`` and ``expectations/suites/*.json``: such a file
it does not generate (an event removed from the seed) is stale and removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from common.codegen import blocks, json_macros, staging_sql, staging_yml
from common.settings import REPO_ROOT
from common.spec import SPEC_PATH, events

#: (folder, glob) of the files only the generator writes
OWNED: tuple[tuple[str, str], ...] = (("models/staging", "stg_telemetry__*.sql"), ("expectations/suites", "*.json"))


@dataclass(frozen=True)
class Output:
    path: str  # relative to the repo root
    text: str


def outputs(root: Path = REPO_ROOT, spec_path: Path = SPEC_PATH) -> list[Output]:
    """What every generated file must contain. Marker blocks are filled into the files' current text."""
    # The suites belong to the GX package; `common` reaches into it only here, for this command.
    from expectations import suites

    found = [
        Output("models/staging/stg_telemetry__events.sql", staging_sql.events_model()),
        *(
            Output(f"models/staging/{staging_sql.model_name(event)}.sql", staging_sql.event_model(event, specs))
            for event, specs in events(spec_path).items()
        ),
        Output(staging_yml.PATH, staging_yml.render(spec_path)),
        *(
            Output(f"expectations/suites/{name}.json", suites.render(suite))
            for name, suite in suites.build_suites(spec_path).items()
        ),
    ]
    filled = (
        (json_macros.PATH, json_macros.fill),
        (blocks.SOURCES_PATH, blocks.sources_yml),
        (blocks.README_PATH, blocks.readme),
    )
    for path, fill in filled:
        found.append(Output(path, fill((root / path).read_text(encoding="utf-8"))))
    for path in blocks.EVENT_MODEL_READERS:
        found.append(Output(path, blocks.event_models((root / path).read_text(encoding="utf-8"), path, spec_path)))
    quality_yml = (root / blocks.QUALITY_YML).read_text(encoding="utf-8")
    found.append(Output(blocks.QUALITY_YML, blocks.unit_test_inputs(quality_yml, spec_path)))
    return found


def _orphans(found: list[Output], root: Path) -> list[str]:
    wanted = {output.path for output in found}
    present = {path.relative_to(root).as_posix() for folder, pattern in OWNED for path in (root / folder).glob(pattern)}
    return sorted(present - wanted)


def drift(found: list[Output], root: Path = REPO_ROOT) -> list[str]:
    """One line per generated file that is missing, differs from what it must contain, or should not exist."""
    problems = []
    for output in found:
        path = root / output.path
        if not path.exists():
            problems.append(f"{output.path}: missing")
        elif path.read_text(encoding="utf-8") != output.text:
            problems.append(f"{output.path}: out of date")
    problems += [f"{path}: not generated from the seed any more (remove it)" for path in _orphans(found, root)]
    return problems


def write(found: list[Output], root: Path = REPO_ROOT) -> tuple[list[str], list[str]]:
    """Write the files that changed and remove orphans. Returns (written, removed) paths."""
    written = []
    for output in found:
        path = root / output.path
        if not path.exists() or path.read_text(encoding="utf-8") != output.text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(output.text, encoding="utf-8")
            written.append(output.path)
    removed = _orphans(found, root)
    for orphan in removed:
        (root / orphan).unlink()
    return written, removed
