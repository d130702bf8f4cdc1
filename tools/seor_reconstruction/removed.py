"""The invented rows the funnel removes (steps 2, 3, 4 and 7), and the ids and notes of all rows."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from tools.seor_reconstruction.common import (
    ADDITION_NAMES,
    COLUMNS,
    MARGIN_KM,
    MULTI_DIMS,
    NATIONAL,
    PLACES,
    TEMPLATES,
    Row,
)
from tools.seor_reconstruction.geometry import Point


class RemovedRows:
    """Mixin of the Builder (tools/seor_reconstruction/rows.py): rows removed by the funnel, ids and notes."""

    def add_dropped_by_reach(self, n_initiatives: int) -> None:
        """Local po/vo promotion initiatives that no campus radius reaches (step 7)."""
        already = sum(1 for row in self.rows if row.key.startswith("drop-roc:") and row.key[-2:] == ":0")
        activities = TEMPLATES["dropped_by_reach_activities"]
        for *_rest, dg in activities:
            if dg not in self.po_vo:
                raise SystemExit(f"template doelgroep {dg!r} is not a po/vo group")
        label_to_key = {p.label: k for k, p in PLACES.items() if p.radius_km >= 3.0}
        towns = [label_to_key[t] for t in self.spec["excluded_places_examples"]]
        towns += TEMPLATES["dropped_by_reach_towns"]
        need = n_initiatives - already
        names: set[str] = set()
        # two near-duplicate pairs (same name, different characteristics): 4 initiatives
        for town, a in (("leiden", 0), ("dordrecht", 5)):
            pt = self.far_point(town)
            act, org, geo_type, dg = activities[a]
            name = f"{act} {PLACES[town].label}"
            names.add(name)
            v1 = self.random_values(geo_type)
            v2 = {k: set(v) for k, v in v1.items()}
            v2["activities"] = v1["activities"] ^ {"evenement"} or {"bedrijfsbezoek"}
            for n, vals in enumerate((v1, v2)):
                org_name = f"{org} {PLACES[town].label}"
                row = self.invented_row(name, "promotie", dg, org_name, pt, geo_type, "", vals)
                self.rows.append(Row(row, key=f"drop:near:{town}:{n}"))
            need -= 2
        school_far = self.far_point("bodegraven")
        k = 0
        while need > 0:
            town = towns[k % len(towns)]
            act, org, geo_type, dg = activities[(k * 5 + 3 + k // len(towns)) % len(activities)]
            k += 1
            name = f"{act} {PLACES[town].label}"
            if name in names:
                continue
            names.add(name)
            pt = self.far_point(town)
            org_name = f"{org} {PLACES[town].label}"
            row = self.invented_row(name, "promotie", dg, org_name, pt, geo_type, "")
            if town == "gouda" and not any(
                r.data["participating_schools"] for r in self.rows if r.key.startswith("drop:")
            ):
                row["participating_schools"] = self.school_code(school_far)
            self.rows.append(Row(row, key=f"drop:{k}"))
            need -= 1

    def add_removed_early(self, n_step2: int, n_step3: int) -> None:
        """Rows removed at step 2 (category) and step 3 (doelgroep)."""
        r = self.rng
        cats = [c for c in self.spec["inventory_categories"] if c != "promotie"]
        templates = dict(zip(cats, TEMPLATES["step2_templates"], strict=True))
        branches = TEMPLATES["step2_branches"]
        places = sorted(k for k in PLACES if PLACES[k].radius_km >= 3.0)
        orgs = TEMPLATES["step2_organisations"]
        seen: set[str] = set()
        made = 0
        while made < n_step2:
            cat = r.choices(cats, TEMPLATES["step2_category_weights"])[0]
            tmpl, dg = r.choice(templates[cat])
            pk = r.choice(places)
            region = PLACES[pk].region
            geo_type = r.choice(["Overig", "Mbo-instellingen/ROC's", NATIONAL])
            where = "(landelijk)" if geo_type == NATIONAL else region
            name = f"{tmpl.format(b=r.choice(branches))} {where}"
            if name in seen:
                continue
            seen.add(name)
            row = self.invented_row(
                name,
                cat,
                dg,
                f"{r.choice(orgs)} {where}",
                None if geo_type == NATIONAL else self.any_point(pk),
                geo_type,
                f"reconstructed row: removed at step 2 (category {cat})",
            )
            self.rows.append(Row(row, key=f"cat:{made}"))
            made += 1
        non_po_vo = TEMPLATES["step3_activities"]
        step3_places = TEMPLATES["step3_places"]
        for k in range(n_step3):
            act, dg = non_po_vo[k % len(non_po_vo)]
            if dg in self.po_vo:
                raise SystemExit(f"step-3 template doelgroep {dg!r} is a po/vo group")
            pk = step3_places[k % len(step3_places)]
            row = self.invented_row(
                f"{act} {PLACES[pk].label}",
                "promotie",
                dg,
                f"Mbo-instelling {PLACES[pk].label}",
                self.any_point(pk),
                "Overig",
                f"reconstructed row: removed at step 3 (doelgroep '{dg}' is not a po/vo group)",
            )
            self.rows.append(Row(row, key=f"dg:{k}"))

    def any_point(self, place_key: str) -> Point:
        """A point near a place with the full boundary margin (reach does not matter)."""
        good = [p for p in self.geo.options(place_key).values() if p.margin >= MARGIN_KM]
        return self.rng.choice(sorted(good, key=lambda p: (p.lat, p.lon)))

    # ---- step 4 duplicates ---------------------------------------------------------------
    def add_duplicates(self, n: int) -> None:
        """Exact duplicates (same normalised name and characteristic sets) of later ids."""
        r = self.rng
        selected = sorted(
            row.key
            for row in self.rows
            if row.key.startswith("sel:") and row.data["provenance"] == "inventory" and not row.data["roc_location"]
        )
        dropped = sorted(
            row.key for row in self.rows if row.key.startswith("drop:") and not row.key.startswith("drop:near")
        )
        n_sel = n // 2
        originals = r.sample(selected, n_sel) + r.sample(dropped, n - n_sel)
        by_key = {row.key: row for row in self.rows}
        variants = [
            lambda s: s.lower(),
            lambda s: s + "  ",
            lambda s: "  " + s.replace(" ", "   ", 1),
            lambda s: s.upper(),
            lambda s: s,
        ]
        for k, key in enumerate(originals):
            row = dict(by_key[key].data)
            row["name"] = variants[k % len(variants)](row["name"])
            for dim in MULTI_DIMS:  # same set, other order: compared as sorted sets
                row[dim] = "|".join(reversed(row[dim].split("|")))
            row.update(url="", provenance="inventory", notes="")
            if k % 3 == 1 and row["doelgroep"] != self.po_vo[-1]:
                row["doelgroep"] = self.po_vo[-1]  # doelgroep is not part of the duplicate key
            self.rows.append(Row(row, key=f"dup:{k}", dup_of=key))

    # ---- ids and notes -------------------------------------------------------------------
    def assign_ids(self) -> pd.DataFrame:
        """Shuffle inventory rows (duplicates after their original), number them, add notes."""
        r = self.rng
        inv = [row for row in self.rows if row.data["provenance"] == "inventory"]
        adds = [row for row in self.rows if row.data["provenance"] == "seor_addition"]
        base = [row for row in inv if not row.dup_of]
        dups = [row for row in inv if row.dup_of]
        r.shuffle(base)
        for row in [b for b in base if b.before]:
            i = base.index(row)
            j = min(k for k, b in enumerate(base) if b.key in row.before)
            if i > j:
                base.insert(j, base.pop(i))
        order = list(base)
        for row in dups:
            pos = [o.key for o in order].index(row.dup_of)
            order.insert(r.randint(pos + 1, len(order)), row)
        url_order = []
        for url in self.spec["additions_urls"]:
            url_order += self.spec["jinc_split"] if "jinc.nl" in url else [ADDITION_NAMES[url]]
        adds.sort(key=lambda row: url_order.index(row.data["name"]))
        ids: dict[str, str] = {}
        for k, row in enumerate(order, 1):
            row.data["id"] = ids[row.key] = f"DG-{k:03d}"
        for k, row in enumerate(adds, 1):
            row.data["id"] = ids[row.key] = f"SEOR-A{k:02d}"
        for row in order:
            if row.dup_of:
                row.data["notes"] = f"reconstructed row: removed at step 4 (exact duplicate of {ids[row.dup_of]})"
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in order:
            if row.data["roc_location"] and not row.dup_of:
                groups[row.data["roc_location"]].append(row)
        for loc, members in groups.items():
            members.sort(key=lambda row: row.data["id"])
            named = [m for m in members if m.key.startswith("sel:")]
            survivor = named[0] if named else members[0]
            for m in members:
                if m is not survivor:
                    m.data["notes"] = (
                        "reconstructed row: removed at step 6 (concentrated into "
                        f"{survivor.data['id']} at ROC location '{loc}')"
                    )
        schools = {s["code"]: (float(s["lat"]), float(s["lon"])) for s in self.school_rows}
        for row in order:
            if row.data["notes"]:
                continue
            lat, lon = float(row.data["lat"]), float(row.data["lon"])
            dists = self.geo.distances(lat, lon)
            near = min(dists, key=lambda c: dists[c])
            note = (
                f"reconstructed row: removed at step 7 (no campus within "
                f"{self.geo.radius:g} km: nearest {near} {dists[near]:.1f} km; "
                f"{row.data['place']})"
            )
            for code in filter(None, row.data["participating_schools"].split("|")):
                sd = self.geo.distances(*schools[code])
                note = note[:-1] + f"; participating school {code} nearest {min(sd.values()):.1f} km)"
            row.data["notes"] = note
        return pd.DataFrame([row.data for row in order + adds], columns=COLUMNS)
