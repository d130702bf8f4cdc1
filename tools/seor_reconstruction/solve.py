"""Reach and characteristics of the 70 selected initiatives, solved exactly against tables 4.1-4.6."""

from __future__ import annotations

import functools
import itertools
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tools.geo import haversine_km
from tools.seor_reconstruction.common import (
    AFFINITY,
    DIMENSIONS,
    LOCAL_PARTNERS,
    MARGIN_KM,
    MBO_PROGRAMMES,
    NAME_PLACES,
    NATIONAL,
    NATIONAL_NAMES,
    NATIONAL_PROGRAMMES,
    PLACES,
    PROGRAMME_PLACES,
    SCHOOL_PLACES,
    SCHOOL_TYPES_WITH_PARTNERS,
    Place,
)
from tools.seor_reconstruction.geometry import Geometry, Point
from tools.seor_reconstruction.spec import Targets


@dataclass
class Initiative:
    """One of the 70 selected initiatives and everything the builder decides for it."""

    name: str
    programme: str
    geography: str = ""
    point: Point | None = None
    schools: list[Point] = field(default_factory=list)
    override: frozenset[str] = frozenset()
    override_reason: str = ""
    reach: frozenset[str] = frozenset()
    values: dict[str, set[str]] = field(default_factory=dict)
    addition_url: str = ""

    @property
    def key(self) -> str:
        """Text the affinity rules are matched against."""
        return f"{self.name} | {self.programme} | {self.geography}"


def type_of(name: str, programme: str) -> str:
    """Geography (organiser type) of a selected initiative, from its programme."""
    if programme in NATIONAL_PROGRAMMES or name in NATIONAL_NAMES:
        return NATIONAL
    if programme == "Port of Rotterdam":
        return "EIC Mainport/haven initiatieven"
    if programme == "STO":
        return "STO clusters"
    if programme == "Jet-Net":
        return "Jet-Net clusters"
    if programme in MBO_PROGRAMMES:
        return "Mbo-instellingen/ROC's"
    return "Overig"


def place_keys_for(name: str, programme: str) -> list[str]:
    """Candidate home places of an initiative (first = preferred)."""
    for keyword, keys in NAME_PLACES:
        if keyword.lower() in name.lower():
            return keys
    return PROGRAMME_PLACES.get(programme, ["rotterdam"])


@dataclass(frozen=True)
class Option:
    """One way to give an initiative a reach set: own location plus 0-2 schools."""

    cost: float
    point: Point
    schools: tuple[Point, ...]


def reach_options(
    item: Initiative, geo: Geometry, school_points: list[Point], max_schools: int
) -> dict[frozenset[str], Option]:
    """Reach set -> cheapest Option (own location plus at most ``max_schools`` schools)."""
    out: dict[frozenset[str], Option] = {}

    def offer(reach: frozenset[str], opt: Option) -> None:
        if reach and (reach not in out or opt.cost < out[reach].cost):
            out[reach] = opt

    partners = item.geography in SCHOOL_TYPES_WITH_PARTNERS and max_schools > 0
    for rank, pk in enumerate(place_keys_for(item.name, item.programme)):
        for reach, pt in geo.options(pk).items():
            cost = rank + (0.0 if pt.margin >= MARGIN_KM else 30 + 40 * (MARGIN_KM - pt.margin))
            offer(reach, Option(cost, pt, ()))
            if not partners:
                continue
            anchor = PLACES[pk]

            def school_cost(school: Point, anchor: Place = anchor) -> float:
                """Schools far away, or (Jet-Net/STO) in another labour-market region, cost more."""
                far = haversine_km(anchor.lat, anchor.lon, school.lat, school.lon) / 5
                other = item.geography in LOCAL_PARTNERS and PLACES[school.place].region != anchor.region
                return 3 + far + (5 if other else 0)

            for s1 in school_points:
                c1 = school_cost(s1)
                offer(reach | s1.reach, Option(cost + c1, pt, (s1,)))
                for s2 in school_points if max_schools > 1 else ():
                    if (s2.place, s2.lat) <= (s1.place, s1.lat):
                        continue
                    c2 = school_cost(s2)
                    offer(reach | s1.reach | s2.reach, Option(cost + c1 + c2, pt, (s1, s2)))
    return out


def solve_reach(items: list[Initiative], geo: Geometry, targets: Targets, rng: random.Random, noise: float) -> None:
    """Choose a location (and schools) per local initiative so table 4.1 is met per type."""
    school_points = sorted(
        {pt for pk in SCHOOL_PLACES for pt in geo.options(pk).values() if pt.reach and pt.margin >= MARGIN_KM},
        key=lambda p: (p.place, p.lat, p.lon),
    )
    camp = targets.campuses
    for gtype in targets.labels["geography"]:
        members = [it for it in items if it.geography == gtype]
        if gtype == NATIONAL:
            for it in members:
                it.reach = frozenset(camp)
            continue
        fixed = [it for it in members if it.override]
        free = [it for it in members if not it.override]
        target = [targets.per_campus["geography"][gtype][c] for c in camp]
        for it in fixed:
            target = [t - (c in it.override) for t, c in zip(target, camp, strict=True)]
        # fewest schools first: the DP is exact per tier, and cheap without school combinations
        for max_schools in (0, 1, 2):
            opts = []
            for it in free:
                o = reach_options(it, geo, school_points, max_schools)
                opts.append(
                    [
                        (tuple(int(c in r) for c in camp), op.cost + noise * rng.random(), r, op)
                        for r, op in sorted(o.items(), key=lambda kv: sorted(kv[0]))
                    ]
                )
            choice = _min_cost_choice([[(v, cost) for v, cost, _r, _op in o] for o in opts], tuple(target))
            if choice is not None:
                break
        if choice is None:
            raise SystemExit(f"table 4.1 row {gtype!r} cannot be met with the candidate places")
        for it, o, k in zip(free, opts, choice, strict=True):
            _vec, _c, reach, op = o[k]
            it.point, it.schools, it.reach = op.point, list(op.schools), reach


def _min_cost_choice(
    opts: list[list[tuple[tuple[int, ...], float]]], target: tuple[int, ...]
) -> tuple[int, ...] | None:
    """Index of one option per item so that the option vectors sum to target at minimum cost."""
    n, nc = len(opts), len(target)
    if any(not o for o in opts):
        return None
    cap = [[0] * nc for _ in range(n + 1)]  # most each column can still receive from items i..
    for i in range(n - 1, -1, -1):
        cap[i] = [cap[i + 1][c] + max(v[c] for v, _ in opts[i]) for c in range(nc)]

    @functools.cache
    def best(i: int, rem: tuple[int, ...]) -> tuple[float, tuple[int, ...]]:
        if i == n:
            return (0.0, ()) if not any(rem) else (math.inf, ())
        res: tuple[float, tuple[int, ...]] = (math.inf, ())
        nxt = cap[i + 1]
        for k, (vec, cost) in enumerate(opts[i]):
            r2 = tuple(a - b for a, b in zip(rem, vec, strict=True))
            if min(r2) < 0 or any(r > m for r, m in zip(r2, nxt, strict=True)):
                continue
            sub = best(i + 1, r2)
            if sub[0] + cost < res[0]:
                res = (sub[0] + cost, (k, *sub[1]))
        return res

    cost, choice = best(0, target)
    return choice if math.isfinite(cost) else None


# --------------------------------------------------------------------------------------------
# Characteristics (tables 4.2-4.6)
# --------------------------------------------------------------------------------------------


@functools.cache
def _affinity(key: str, code: str) -> float:
    return sum(w.get(code, 0.0) for pat, w in AFFINITY if re.search(pat, key))


def affinity(item: Initiative, code: str) -> float:
    """Soft preference of an initiative for a code (sum of matching AFFINITY rules)."""
    return _affinity(item.key, code)


def enumerate_counts(
    target: tuple[int, ...], vecs: list[tuple[int, ...]], caps: list[int], limit: int
) -> list[tuple[int, ...]]:
    """All vectors n (0 <= n_g <= caps_g) with sum_g n_g * vecs_g == target (exact, pruned)."""
    ng, nc = len(vecs), len(target)
    last = [max((g for g in range(ng) if vecs[g][c]), default=-1) for c in range(nc)]
    closes = [[c for c in range(nc) if last[c] == g] for g in range(ng)]
    cap_after = [[0] * nc for _ in range(ng + 1)]
    for g in range(ng - 1, -1, -1):
        cap_after[g] = [cap_after[g + 1][c] + caps[g] * vecs[g][c] for c in range(nc)]
    if any(target[c] and last[c] < 0 for c in range(nc)):
        return []
    out: list[tuple[int, ...]] = []
    acc = [0] * ng

    def rec(g: int, rem: list[int]) -> None:
        if len(out) >= limit:
            return
        if g == ng:
            if not any(rem):
                out.append(tuple(acc))
            return
        v = vecs[g]
        for k in range(caps[g] + 1):
            r2 = [a - k * b for a, b in zip(rem, v, strict=True)]
            if min(r2) < 0:
                break
            if any(r2[c] for c in closes[g]):
                continue
            if any(r2[c] > cap_after[g + 1][c] for c in range(nc)):
                continue
            acc[g] = k
            rec(g + 1, r2)
        acc[g] = 0

    rec(0, list(target))
    return out


def solve_dimension(dim: str, items: list[Initiative], targets: Targets, rng: random.Random) -> None:
    """Give every initiative its values of one dimension so table 4.x and 3.x are met exactly."""
    single = DIMENSIONS[dim][2]
    camp = targets.campuses
    codes = list(targets.labels[dim])
    vec_of = [tuple(int(c in it.reach) for c in camp) + (1,) for it in items]
    # wide groups first, so that the narrow ones close their campus columns (exact pruning)
    group_vecs = sorted(set(vec_of), key=lambda v: (-sum(v), v))
    members = {v: [i for i, vv in enumerate(vec_of) if vv == v] for v in group_vecs}
    caps = [len(members[v]) for v in group_vecs]
    jitter = {(i, code): rng.random() * 0.01 for i in range(len(items)) for code in codes}

    def aff(i: int, code: str) -> float:
        return affinity(items[i], code) + jitter[(i, code)]

    def group_score(code: str, counts: tuple[int, ...]) -> float:
        s = 0.0
        for v, n in zip(group_vecs, counts, strict=True):
            if n:
                s += sum(sorted((aff(i, code) for i in members[v]), reverse=True)[:n])
        return s

    sols: dict[str, list[tuple[int, ...]]] = {}
    for code in codes:
        tgt = tuple(targets.per_campus[dim][code][c] for c in camp) + (targets.total[dim][code],)
        found = enumerate_counts(tgt, group_vecs, caps, limit=20000)
        if not found:
            raise SystemExit(f"{dim} {code!r}: no assignment reproduces the published counts")
        sols[code] = sorted(found, key=lambda s: -group_score(code, s))
    chosen: dict[str, tuple[int, ...]]
    if single:
        chosen = _couple_single(codes, sols, caps)
    else:
        chosen = _couple_multi(codes, sols, caps)
    for it in items:
        it.values[dim] = set()
    for gi, v in enumerate(group_vecs):
        quota = {code: chosen[code][gi] for code in codes}
        assign = _assign_group(members[v], quota, single, aff)
        for i, vals in assign.items():
            items[i].values[dim] = vals


def _couple_single(
    codes: list[str], sols: dict[str, list[tuple[int, ...]]], caps: list[int]
) -> dict[str, tuple[int, ...]]:
    """Pick one solution per code whose group counts add up exactly to the group sizes."""
    *head, last = codes
    last_set = {s: k for k, s in enumerate(sols[last])}
    best: tuple[int, dict[str, tuple[int, ...]]] | None = None
    for n, combo in enumerate(itertools.product(*(range(len(sols[c])) for c in head))):
        if n > 3_000_000:  # the lists are sorted by affinity: a good partition comes early
            break
        if best is not None and sum(combo) >= best[0]:
            continue
        used = [sum(sols[c][k][g] for c, k in zip(head, combo, strict=True)) for g in range(len(caps))]
        rest = tuple(cap - u for cap, u in zip(caps, used, strict=True))
        if min(rest) < 0 or rest not in last_set:
            continue
        rank = sum(combo) + last_set[rest]
        if best is None or rank < best[0]:
            best = (rank, {**{c: sols[c][k] for c, k in zip(head, combo, strict=True)}, last: rest})
    if best is None:
        raise SystemExit("single-valued dimension: no exact partition of the groups")
    return best[1]


def _couple_multi(
    codes: list[str], sols: dict[str, list[tuple[int, ...]]], caps: list[int]
) -> dict[str, tuple[int, ...]]:
    """Pick one solution per code so that every group has at least as many values as members."""
    order = sorted(codes, key=lambda c: len(sols[c]))
    ng = len(caps)
    maxes = {c: [max(s[g] for s in sols[c]) for g in range(ng)] for c in codes}
    chosen: dict[str, tuple[int, ...]] = {}
    budget = [200000]

    def rec(k: int, have: list[int]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if k == len(order):
            return all(h >= cap for h, cap in zip(have, caps, strict=True))
        rest = order[k + 1 :]
        for s in sols[order[k]]:
            h2 = [a + b for a, b in zip(have, s, strict=True)]
            if any(h2[g] + sum(maxes[c][g] for c in rest) < caps[g] for g in range(ng)):
                continue
            chosen[order[k]] = s
            if rec(k + 1, h2):
                return True
        return False

    if not rec(0, [0] * ng):
        raise SystemExit("multi-valued dimension: no combination covers every initiative")
    return dict(chosen)


def _assign_group(idx: list[int], quota: dict[str, int], single: bool, aff: Any) -> dict[int, set[str]]:
    """Distribute per-code quotas over the members of one group, by affinity."""
    vals: dict[int, set[str]] = {i: set() for i in idx}
    if single:
        pairs = sorted(((aff(i, c), i, c) for i in idx for c in quota), reverse=True)
        left = dict(quota)
        for _a, i, c in pairs:
            if not vals[i] and left[c] > 0:
                vals[i].add(c)
                left[c] -= 1
        improved = True
        while improved:  # pairwise swaps that raise total affinity
            improved = False
            for a, b in itertools.combinations(idx, 2):
                (ca,), (cb,) = vals[a], vals[b]
                if ca != cb and aff(a, cb) + aff(b, ca) > aff(a, ca) + aff(b, cb) + 1e-9:
                    vals[a], vals[b] = {cb}, {ca}
                    improved = True
        return vals
    for c, n in quota.items():
        for i in sorted(idx, key=lambda i: -aff(i, c))[:n]:
            vals[i].add(c)
    while True:
        empty = [i for i in idx if not vals[i]]
        if not empty:
            return vals
        i = empty[0]
        moves = [(aff(j, c) - aff(i, c), j, c) for j in idx if len(vals[j]) > 1 for c in sorted(vals[j])]
        _loss, j, c = min(moves)
        vals[j].discard(c)
        vals[i].add(c)


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------
