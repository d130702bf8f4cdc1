"""The rows of the 70 selected initiatives and of the activities step 6 concentrates into them."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from tools.seor_reconstruction.common import (
    ADDITION_NAMES,
    CHAR_DIMS,
    COLUMNS,
    DIMENSIONS,
    MARGIN_KM,
    MULTI_DIMS,
    NATIONAL,
    PLACES,
    PRAKTIJK_ORDER,
    SELECTED_NOTE,
    TEMPLATES,
    Row,
)
from tools.seor_reconstruction.geometry import Geometry, Point, nearest_place, override_location
from tools.seor_reconstruction.removed import RemovedRows
from tools.seor_reconstruction.solve import Initiative, solve_dimension, solve_reach, type_of
from tools.seor_reconstruction.spec import Targets


def doelgroep_for(school_types: set[str], po_vo: list[str], national: bool, k: int) -> str:
    """A po/vo doelgroep text (one of the seven published strings) matching the school types."""
    po = "primair onderwijs" in school_types
    vo = bool(school_types - {"primair onderwijs"})
    only_vmbo = school_types <= {"vmbo", "vo onderbouw", "vo bovenbouw"} and "vmbo" in school_types
    by_text = {s.lower(): s for s in po_vo}
    if po and not vo:
        return by_text["leerlingen po"]
    if po and vo:
        wide = [s for s in po_vo if s.lower().startswith("leerlingen po, vo")]
        if national:
            return wide[k % len(wide)]
        return [by_text["leerlingen basisschool, vmbo en vo"], wide[0]][k % 2]
    if only_vmbo:
        return by_text["leerlingen vmbo"]
    return by_text["leerlingen vo"]


def fmt_set(values: Iterable[str], order: list[str]) -> str:
    """Pipe-join a set of codes in published order."""
    vals = set(values)
    return "|".join(c for c in order if c in vals)


def organisation_for(item: Initiative) -> str:
    """Organisation column for a selected initiative (derived from name and programme)."""
    if item.programme == "Jet-Net":
        rest = item.name.replace("Jet-Net cluster ", "").replace("Jet-Net - ", "")
        return rest if rest != "Algemeen" else "Jet-Net & TechNet"
    if item.programme == "STO":
        return item.name.replace("Sterk Techniek Onderwijs", "STO-regio")
    if item.programme == "JINC":
        return "JINC"
    return item.programme


class Builder(RemovedRows):
    """Builds all rows of the reconstruction."""

    def __init__(self, spec: dict[str, Any], geo: Geometry, targets: Targets, seed: int) -> None:
        self.spec, self.geo, self.targets = spec, geo, targets
        self.rng = random.Random(seed)
        self.codes = {dim: list(targets.labels[dim]) for dim in DIMENSIONS}
        self.po_vo = list(spec["po_vo_doelgroepen"])
        self.schools: dict[tuple[float, float], str] = {}
        self.school_rows: list[dict[str, Any]] = []
        self.rows: list[Row] = []

    # ---- selected ------------------------------------------------------------------------
    def selected_items(self) -> list[Initiative]:
        """The 70 initiatives with geography, reach and characteristics solved."""
        camp = self.targets.campuses
        note = self.spec["port_rangers_note"]
        m = re.search(r"\(([A-Z&, ]+)\)", note)
        override = frozenset(s.strip() for s in m.group(1).split(",")) if m else frozenset()
        if not override or not override <= set(camp):
            raise SystemExit("cannot read the override campuses from port_rangers_note")
        urls: dict[str, str] = {}
        for url in self.spec["additions_urls"]:
            if "jinc.nl" in url:
                urls.update({n: url for n in self.spec["jinc_split"]})
            else:
                urls[ADDITION_NAMES[url]] = url
        items = []
        for entry in self.spec["bijlage_70_initiatieven"]:
            it = Initiative(entry["initiatief"], entry["onderdeel_van"])
            it.geography = type_of(it.name, it.programme)
            it.addition_url = urls.get(it.name, "")
            if "Port Rangers" in it.name:
                it.override, it.override_reason = override, note
                near = frozenset(
                    c["code"] for c in self.spec["campuses"] if c["code"] in override and c["city"] == "Rotterdam"
                )
                it.point = override_location(self.geo, override, near)
                it.reach = override
            items.append(it)
        missing = set(urls) - {it.name for it in items}
        if missing:
            raise SystemExit(f"additions not in the bijlage: {sorted(missing)}")
        counts = Counter(it.geography for it in items)
        for code, n in self.targets.total["geography"].items():
            if counts[code] != n:
                raise SystemExit(f"type rules give {counts[code]} {code!r}, table 3.1 says {n}")
        last_error = None
        for attempt in range(20):
            try:
                solve_reach(items, self.geo, self.targets, self.rng, noise=0.5 * attempt)
                for dim in DIMENSIONS:
                    if dim == "geography":
                        for it in items:
                            it.values[dim] = {it.geography}
                    else:
                        solve_dimension(dim, items, self.targets, self.rng)
                return items
            except SystemExit as exc:  # try another (perturbed) reach solution
                last_error = exc
        raise SystemExit(f"no reconstruction found: {last_error}")

    def school_code(self, pt: Point) -> str:
        """Register a synthetic participating school and return its code."""
        key = (pt.lat, pt.lon)
        if key not in self.schools:
            code = f"S-{len(self.schools) + 1:03d}"
            self.schools[key] = code
            self.school_rows.append(
                {
                    "code": code,
                    "name": f"Synthetische vo-school {PLACES[pt.place].label} ({code})",
                    "lat": f"{pt.lat:.5f}",
                    "lon": f"{pt.lon:.5f}",
                }
            )
        return self.schools[key]

    def base_row(self, **kw: Any) -> dict[str, Any]:
        """A row with every column present (defaults for the optional ones)."""
        row = dict.fromkeys(COLUMNS, "")
        row.update(national_online="false", reconstructed="true", provenance="inventory")
        row.update(kw)
        return row

    def char_fields(self, values: dict[str, set[str]]) -> dict[str, str]:
        """Characteristic columns from value sets."""
        out = {dim: fmt_set(values[dim], self.codes[dim]) for dim in MULTI_DIMS}
        out["geography"] = next(iter(values["geography"]))
        out["praktijkgerichtheid"] = next(iter(values["praktijkgerichtheid"]))
        return out

    def location_fields(self, pt: Point | None) -> dict[str, str]:
        """place/region/lat/lon for a point (empty for national rows)."""
        if pt is None:
            return {"region": "Landelijk"}
        key = pt.place or nearest_place(pt.lat, pt.lon)
        place = PLACES[key]
        return {
            "place": place.label,
            "region": place.region,
            "lat": f"{pt.lat:.5f}",
            "lon": f"{pt.lon:.5f}",
        }

    def add_selected(self, items: list[Initiative]) -> None:
        """Rows for the 70 (inventory rows and SEOR additions)."""
        for k, it in enumerate(items):
            national = it.geography == NATIONAL
            row = self.base_row(
                name=it.name,
                programme=it.programme,
                category="promotie",
                doelgroep=doelgroep_for(it.values["school_types"], self.po_vo, national, k),
                organisation=organisation_for(it),
                national_online="true" if national else "false",
                participating_schools="|".join(self.school_code(s) for s in it.schools),
                url=it.addition_url,
                reach_override_campuses="|".join(c for c in self.targets.campuses if c in it.override),
                reach_override_reason=it.override_reason,
                provenance="seor_addition" if it.addition_url else "inventory",
                notes=SELECTED_NOTE,
                **self.char_fields(it.values),
                **self.location_fields(None if national else it.point),
            )
            self.rows.append(Row(row, key=f"sel:{it.name}"))

    # ---- step 6 siblings -----------------------------------------------------------------
    def add_concentration(self, items: list[Initiative], n_extra: int) -> None:
        """Rows that step 6 collapses into one initiative per ROC location."""
        by_name = {r.data["name"]: r for r in self.rows}
        # selected ROC locations that get extra activities, with (suffix, n siblings)
        plan = TEMPLATES["concentration"]
        single_locations = TEMPLATES["single_locations"]
        item_by_name = {it.name: it for it in items}
        used = 0
        for name, suffixes in plan:
            sel = by_name[name]
            sel.data["roc_location"] = name
            it = item_by_name[name]
            subsets = self.split_values(it.values, len(suffixes) + 1)
            sel.data.update(self.char_fields(subsets[0]))
            for n, (suffix, vals) in enumerate(zip(suffixes, subsets[1:], strict=True)):
                row = dict(sel.data)
                row.update(
                    name=f"{name}: {suffix}",
                    doelgroep=doelgroep_for(vals["school_types"], self.po_vo, False, n),
                    url="",
                    provenance="inventory",
                    notes=(
                        f"reconstructed row: removed at step 6 (concentrated into '{name}' at ROC location '{name}')"
                    ),
                    **self.char_fields(vals),
                )
                # one ROC group where the bijlage-named survivor is not the first id
                before = (sel.key,) if n == 0 and "RDM" in name else ()
                self.rows.append(Row(row, key=f"roc:{name}:{n}", before=before))
                used += 1
        for name in single_locations:
            by_name[name].data["roc_location"] = name
        # dropped ROC locations (all rows removed later at step 7). The plain-named row is the
        # shortest name and gets the lowest id, so "bijlage name", "shortest name" and "first id"
        # survivor rules agree; Dordrecht has two same-named rows with different characteristics.
        dropped = TEMPLATES["dropped_roc_locations"]
        for place_key, org, suffixes in dropped:
            pt = self.far_point(place_key)
            loc = f"{org} - {PLACES[place_key].label}"
            names = [org] + [f"{org}: {suffix}" for suffix in suffixes]
            while True:  # same-named rows must differ, or step 4 would already remove them
                values = self.random_values("Mbo-instellingen/ROC's")
                subsets = self.split_values(values, len(suffixes) + 1)
                keys = {(nm, self._char_key(v)) for nm, v in zip(names, subsets, strict=True)}
                if len(keys) == len(names):
                    break
            keys = [f"drop-roc:{loc}:{n}" for n in range(len(names))]
            for n, (name, vals) in enumerate(zip(names, subsets, strict=True)):
                row = self.base_row(
                    name=name,
                    programme=org,
                    category="promotie",
                    doelgroep=doelgroep_for(vals["school_types"], self.po_vo, False, n),
                    organisation=org,
                    roc_location=loc,
                    **self.char_fields(vals),
                    **self.location_fields(pt),
                )
                self.rows.append(Row(row, key=keys[n], before=tuple(keys[1:]) if n == 0 else ()))
                used += 1 if n else 0
        if used != n_extra:
            raise SystemExit(f"concentration plan collapses {used} rows, table 2.1 needs {n_extra}")

    @staticmethod
    def _char_key(values: dict[str, set[str]]) -> tuple[tuple[str, ...], ...]:
        """Comparable form of a row's characteristics (as step 4 compares them)."""
        return tuple(tuple(sorted(values[d])) for d in CHAR_DIMS)

    def split_values(self, values: dict[str, set[str]], n: int) -> list[dict[str, set[str]]]:
        """n value dicts whose union is ``values`` (max praktijk kept by the first)."""
        out: list[dict[str, set[str]]] = [{} for _ in range(n)]
        for dim, vals in values.items():
            if dim in ("geography", "praktijkgerichtheid"):
                top = next(iter(vals))
                for k in range(n):
                    if dim == "geography" or k == 0:
                        out[k][dim] = {top}
                    else:
                        lower = PRAKTIJK_ORDER[: PRAKTIJK_ORDER.index(top) + 1]
                        out[k][dim] = {self.rng.choice(lower)}
                continue
            ordered = [c for c in self.codes[dim] if c in vals]
            for k in range(n):
                out[k][dim] = set()
            for j, c in enumerate(ordered):
                out[j % n][dim].add(c)
                if self.rng.random() < 0.3:
                    out[self.rng.randrange(n)][dim].add(c)
            for k in range(n):
                if not out[k][dim]:
                    out[k][dim].add(self.rng.choice(ordered))
        return out

    # ---- invented rows -------------------------------------------------------------------
    def far_point(self, place_key: str) -> Point:
        """A point near a place that reaches no campus, with the full boundary margin."""
        opts = self.geo.options(place_key)
        pt = opts.get(frozenset())
        if pt is None or pt.margin < MARGIN_KM:
            raise SystemExit(f"no location outside every campus radius near {place_key}")
        return pt

    def random_values(self, geography: str) -> dict[str, set[str]]:
        """Plausible random characteristics for an invented row."""
        r = self.rng
        out: dict[str, set[str]] = {"geography": {geography}}
        for dim in MULTI_DIMS:
            codes = self.codes[dim]
            if dim == "school_types" and geography == "Mbo-instellingen/ROC's":
                codes = [c for c in codes if c != "primair onderwijs"]
            if dim == "target_groups":
                vals = {"leerlingen"} | {c for c in codes if r.random() < 0.15}
            else:
                vals = {c for c in codes if r.random() < 0.3} or {r.choice(codes)}
            out[dim] = vals
        out["praktijkgerichtheid"] = {r.choice(PRAKTIJK_ORDER)}
        return out

    def invented_row(
        self,
        name: str,
        category: str,
        doelgroep: str,
        organisation: str,
        pt: Point | None,
        geography: str,
        note: str,
        values: dict[str, set[str]] | None = None,
    ) -> dict[str, Any]:
        """An invented inventory row."""
        vals = values or self.random_values(geography)
        return self.base_row(
            name=name,
            programme=organisation,
            category=category,
            doelgroep=doelgroep,
            organisation=organisation,
            national_online="true" if geography == NATIONAL else "false",
            notes=note,
            **self.char_fields(vals),
            **self.location_fields(pt),
        )
