"""Build data/reference/ from the shared reference files (deterministic; re-run to refresh).

Usage: python scripts/build_reference.py [SHARED_REFERENCE_DIR]
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "reference"


def _tile_grid(rows: list[dict[str, str]], n_cols: int = 8) -> dict[str, tuple[int, int]]:
    """Assign each municipality one grid cell that follows its office location.

    Greedy: municipalities are placed in order of distance from the centroid; each takes the
    free cell nearest to its scaled coordinates. Deterministic for the same input.
    """
    lats = [float(r["office_lat"]) for r in rows]
    lngs = [float(r["office_lng"]) for r in rows]
    lat0, lat1, lng0, lng1 = min(lats), max(lats), min(lngs), max(lngs)
    n_rows = 7
    target = {}
    for r in rows:
        x = (float(r["office_lng"]) - lng0) / (lng1 - lng0) * (n_cols - 1)
        y = (lat1 - float(r["office_lat"])) / (lat1 - lat0) * (n_rows - 1)
        target[r["code5"]] = (y, x)
    cy = sum(t[0] for t in target.values()) / len(target)
    cx = sum(t[1] for t in target.values()) / len(target)
    order = sorted(target, key=lambda c: (math.hypot(target[c][0] - cy, target[c][1] - cx), c))
    free = {(i, j) for i in range(n_rows) for j in range(n_cols)}
    out: dict[str, tuple[int, int]] = {}
    for code in order:
        y, x = target[code]
        cell = min(free, key=lambda c: (math.hypot(c[0] - y, c[1] - x), c))
        free.remove(cell)
        out[code] = cell
    return out


def main(src: Path) -> None:
    """Write municipalities.csv, areas.csv, population.csv and the boundary GeoJSON under data/reference/."""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(src / "gunma_municipalities.csv", encoding="utf-8") as f:
        munis = list(csv.DictReader(f))
    areas = json.loads((src / "gunma_elderly_welfare_areas.json").read_text(encoding="utf-8"))["areas"]
    area_code = {a["area"]: f"K{i + 1:02d}" for i, a in enumerate(areas)}
    with open(OUT / "areas.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["area_code", "name_ja", "name_en", "member_codes"])
        for a in areas:
            w.writerow([area_code[a["area"]], a["area"], a["area_en"], " ".join(a["member_codes"])])
    tiles = _tile_grid(munis)
    with open(OUT / "municipalities.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code5", "code6", "name_ja", "kana", "name_en", "type_ja", "type_en", "gun",
                    "area_code", "office_lat", "office_lng", "tile_row", "tile_col"])
        for m in munis:
            assert area_code[m["elderly_welfare_area"]]
            w.writerow([m["code5"], m["code6"], m["name"], m["kana"], m["romaji"], m["type_ja"],
                        m["type_en"], m["gun"], area_code[m["elderly_welfare_area"]],
                        m["office_lat"], m["office_lng"], *tiles[m["code5"]]])
    with open(src / "gunma_juki_age_population_2017_2022.csv", encoding="utf-8") as f:
        pop = [r for r in csv.DictReader(f) if r["level"] in ("municipality", "prefecture")]
    with open(OUT / "population.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["as_of", "fiscal_year", "code5", "pop_total", "pop65", "pop75", "source_file"])
        for r in pop:
            # 1 January falls in the fiscal year that began the previous April.
            fy = int(r["as_of"][:4]) - 1
            w.writerow([r["as_of"], fy, r["code5"], r["total"], r["pop65plus"], r["pop75plus"], r["source_file"]])
    # Boundaries (MLIT 国土数値情報 N03, simplified): municipal polygons as they are; 圏域 polygons get
    # the project's area_code so maps can join them like municipalities (code5).
    (OUT / "municipalities.geojson").write_bytes((src / "gunma_municipalities.geojson").read_bytes())
    gj = json.loads((src / "gunma_elderly_welfare_areas.geojson").read_text(encoding="utf-8"))
    for feat in gj["features"]:
        feat["properties"]["area_code"] = area_code[feat["properties"]["elderly_welfare_area"]]
    (OUT / "areas.geojson").write_text(json.dumps(gj, ensure_ascii=False, separators=(",", ":")) + "\n",
                                       encoding="utf-8")
    print(f"wrote {len(munis)} municipalities, {len(areas)} areas, {len(pop)} population rows to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "reference")
