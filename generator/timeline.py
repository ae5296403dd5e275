"""The timeline: installations and their sessions, generated 3-hour window by window.

Each window's share of the events follows how many installations can start a session in it (their kind's
session weight times the time they are active in the window) and the time of day and week. Windows are
generated in order; a session starts in its window and may run into the next one (no session is longer
than the window), so when the sessions starting in window ``w`` are made, window ``w`` is complete and is
handed out. What is held at any time: the installations active now, the sessions of this window and the
next, and the compact plan of all installations.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Iterator
from operator import itemgetter

from generator.installations import DAY_MS, KIND_NAMES, Install, Plan, make_install
from generator.sessions import HOUR, KINDS, MENUS, MINUTE, SECOND, SESSION_MAX_MS, SESSIONS, TOUR, Record, Session

WINDOW_MS = 3 * HOUR  # one archive file per window that has lines (Segment copies about hourly)
WINDOWS_PER_DAY = DAY_MS // WINDOW_MS
MARGIN_MS = SESSION_MAX_MS + 2 * MINUTE  # a session starts at least this long before its installation's end
#: Activity by 3-hour slot of the UTC day (Europe, the Americas and India at work), and on weekends.
DIURNAL = (0.45, 0.75, 1.25, 1.35, 1.35, 1.25, 0.95, 0.65)
WEEKEND = 0.6
PLACEMENT_TRIES = 8  # tries to find a free start for a session before dropping it
MAX_DROPPED = 200  # sessions dropped in a row before a window gives its remaining share to the next


class CannotFit(RuntimeError):
    """The installations cannot hold the events asked for (far too many events for too few days)."""


def window_targets(plan: Plan, start_ms: int, n_windows: int, n_events: int) -> list[int]:
    """Cumulative number of session events due by the end of each window (the last one is ``n_events``)."""
    capacity = [0.0] * (n_windows + 1)
    ramp = [0.0] * (n_windows + 1)  # difference array: full windows between an installation's first and last
    for first, last, kind in zip(plan.first, plan.last, plan.kinds, strict=True):
        weight = KINDS[KIND_NAMES[kind]] / WINDOW_MS
        low, high = first - start_ms, last - MARGIN_MS - start_ms  # when its sessions may start
        w_low, w_high = low // WINDOW_MS, high // WINDOW_MS
        if w_low == w_high:
            capacity[w_low] += weight * (high - low)
            continue
        capacity[w_low] += weight * ((w_low + 1) * WINDOW_MS - low)
        capacity[w_high] += weight * (high - w_high * WINDOW_MS)
        ramp[w_low + 1] += weight * WINDOW_MS
        ramp[w_high] -= weight * WINDOW_MS
    weekday = (start_ms // DAY_MS + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    load = []
    for w, full in enumerate(itertools.accumulate(ramp[:n_windows])):
        day, slot = divmod(w, WINDOWS_PER_DAY)
        weekend = WEEKEND if (weekday + day) % 7 >= 5 else 1.0
        load.append((capacity[w] + full) * DIURNAL[slot] * weekend)
    total = sum(load) or 1.0
    return [round(n_events * share / total) for share in itertools.accumulate(load)]


class Timeline:
    """Iterate to get ``(window, records)`` in time order; exactly ``n_events`` records in all."""

    def __init__(self, rng: random.Random, plan: Plan, n_events: int, start_ms: int, days: int) -> None:
        self.rng, self.plan, self.start_ms = rng, plan, start_ms
        self.n_windows = days * WINDOWS_PER_DAY
        self.n_disabled = sum(plan.disabled)
        self.n_sessions = n_events - self.n_disabled  # events from sessions; the rest is Telemetry Disabled
        self.targets = window_targets(plan, start_ms, self.n_windows, self.n_sessions)
        self.made = 0  # session events so far
        self.arrived = 0  # plan index of the next installation to arrive
        self.pools: dict[str, list[Install]] = {kind: [] for kind in KIND_NAMES}  # may start a session now
        self.position: dict[int, int] = {}  # install index -> its place in its pool
        self.leaving: list[tuple[int, int, Install]] = []  # heap: (last session start, index, install)
        self.disabling: list[tuple[int, int, Install]] = []  # heap: (last_ms, index, install)
        self.touring: dict[int, tuple[Install, int, list[str]]] = {}  # scripted installs: next start, sessions
        self.busy: dict[int, list[tuple[int, int]]] = {}  # install index -> its recent sessions (start, end)
        self.buffers: dict[int, list[Record]] = {}  # window -> its records so far
        self.menus = {kind: (list(menu), list(itertools.accumulate(menu.values()))) for kind, menu in MENUS.items()}

    def __iter__(self) -> Iterator[tuple[int, list[Record]]]:
        for w in range(self.n_windows):
            begin = self.start_ms + w * WINDOW_MS
            end = begin + WINDOW_MS
            self._arrive(end)
            self._leave(begin)
            self.busy = {i: kept for i, spans in self.busy.items() if (kept := [s for s in spans if s[1] >= begin])}
            self._tour(end)
            self._fill(self.targets[w], begin, end)
            records = self.buffers.pop(w, [])
            records.sort(key=itemgetter(0))  # stable: ties keep the order they were made in
            yield w, records
        if self.made != self.n_sessions:
            raise CannotFit(
                f"only {self.made + self.n_disabled:,} of {self.n_sessions + self.n_disabled:,} events fit "
                f"in {self.n_windows // WINDOWS_PER_DAY} days: ask for more days"
            )

    def _arrive(self, end: int) -> None:
        """Make the installations whose life starts before ``end``."""
        plan = self.plan
        while self.arrived < len(plan) and plan.first[self.arrived] < end:
            inst = make_install(self.rng, plan, self.arrived)
            self.arrived += 1
            if inst.disabled:
                heapq.heappush(self.disabling, (inst.last_ms, inst.index, inst))
            if inst.index in plan.tour:
                self.touring[inst.index] = (inst, inst.first_ms, list(TOUR[plan.tour[inst.index]][2]))
            else:
                self._join(inst)

    def _join(self, inst: Install) -> None:
        pool = self.pools[inst.kind]
        self.position[inst.index] = len(pool)
        pool.append(inst)
        heapq.heappush(self.leaving, (inst.last_ms - MARGIN_MS, inst.index, inst))

    def _leave(self, begin: int) -> None:
        """Retire installations that can start no more sessions; disabled ones say so at their end."""
        while self.leaving and self.leaving[0][0] <= begin:
            inst = heapq.heappop(self.leaving)[2]
            pool, at = self.pools[inst.kind], self.position.pop(inst.index)
            moved = pool.pop()  # the last one takes the leaver's place
            if moved is not inst:
                pool[at] = moved
                self.position[moved.index] = at
        while self.disabling and self.disabling[0][0] < begin + WINDOW_MS:
            inst = heapq.heappop(self.disabling)[2]
            self._window(inst.last_ms).append(
                [inst.last_ms, inst, "Telemetry Disabled", {"metrics_id": inst.user_id}]
            )  # fmt: skip

    def _tour(self, end: int) -> None:
        """Run the scripted first sessions that start before ``end``, one after the other."""
        for index, (inst, at, names) in list(self.touring.items()):
            while names and at < end and at < inst.last_ms - MARGIN_MS and self.made < self.n_sessions:
                events = self._session(inst, names.pop(0))
                if events:
                    length = events[-1][0] + SECOND
                    self._place(inst, events, at)
                    at += length + self.rng.randint(1, 30) * MINUTE
            self.touring[index] = (inst, at, names)
            if not names or at >= inst.last_ms - MARGIN_MS or self.made >= self.n_sessions:
                del self.touring[index]
                if at < inst.last_ms - MARGIN_MS:
                    self._join(inst)

    def _fill(self, target: int, begin: int, end: int) -> None:
        """Random sessions starting in [begin, end) until ``target`` session events exist."""
        rng, pools, dropped = self.rng, self.pools, 0
        cum = list(itertools.accumulate(KINDS[kind] * len(pools[kind]) for kind in KIND_NAMES))
        while cum[-1] and self.made < min(target, self.n_sessions) and dropped < MAX_DROPPED:
            pool = pools[KIND_NAMES[bisect.bisect(cum, rng.random() * cum[-1])]]
            inst = pool[int(rng.random() * len(pool))]
            names, weights = self.menus[inst.kind]
            events = self._session(inst, names[bisect.bisect(weights, rng.random() * weights[-1])])
            if not events:
                continue
            low, high = max(begin, inst.first_ms), min(end, inst.last_ms - MARGIN_MS)
            for _ in range(PLACEMENT_TRIES):
                start = low + int(rng.random() * (high - low))
                if self._free(inst, start, events[-1][0] + SECOND):
                    self._place(inst, events, start)
                    dropped = 0
                    break
            else:
                dropped += 1

    def _session(self, inst: Install, name: str) -> list[Record]:
        """One session's records, timed from 0."""
        events: list[Record] = []
        SESSIONS[name](Session(self.rng, inst, 0, events))
        if events and events[-1][0] >= SESSION_MAX_MS:
            raise AssertionError(f"session {name!r} lasted {events[-1][0]} ms, longer than SESSION_MAX_MS")
        return events

    def _free(self, inst: Install, start: int, length: int) -> bool:
        spans = self.busy.get(inst.index, ())
        at = bisect.bisect(spans, (start,))
        return (at == 0 or spans[at - 1][1] < start) and (at == len(spans) or start + length < spans[at][0])

    def _place(self, inst: Install, events: list[Record], start: int) -> None:
        """Book the session and keep as many of its records as the event budget allows."""
        bisect.insort(self.busy.setdefault(inst.index, []), (start, start + events[-1][0] + SECOND))
        for rec in events[: self.n_sessions - self.made]:
            rec[0] += start
            self._window(rec[0]).append(rec)
            self.made += 1

    def _window(self, ms: int) -> list[Record]:
        return self.buffers.setdefault((ms - self.start_ms) // WINDOW_MS, [])
