"""Deterministic mixes of site-lookup queries shared by the lookup benchmarks."""

from __future__ import annotations

import random

from engine.site import LookupTables, check_digit

#: Queries per benchmark run.
N_QUERIES = 10_000
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def mixed_queries(tables: LookupTables, n: int, seed: int = 3, bad_frac: float = 0.0) -> list[str]:
    """A deterministic mix: 45% full postcodes, 10% outward codes, 25% cores, 15% full
    MPANs with real top lines, 5% MPAN + postcode; ``bad_frac`` malformed rows."""
    rng = random.Random(seed)
    outward = [
        d.outward_code for d in tables.districts.districts.values() if d.status != "outside_gb"
    ]
    dnos = [str(i) for i in range(10, 24)]
    idnos = ["24", "25", "26", "27", "29", "31", "32", "35"]
    llfcs = sorted(tables.topline.llfcs)

    def core(distributor_id: str) -> str:
        first12 = distributor_id + f"{rng.randrange(10**10):010d}"
        return first12 + check_digit(first12)

    def postcode() -> str:
        inward = f"{rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        text = f"{rng.choice(outward)} {inward}"
        return text.lower() if rng.random() < 0.2 else text

    queries = []
    for _ in range(n):
        kind = rng.random()
        if rng.random() < bad_frac:
            queries.append(rng.choice(["", "12345", "SW1A 1AAA", "BT1 1AA", core("12")[:-1] + "X"]))
        elif kind < 0.45:
            queries.append(postcode())
        elif kind < 0.55:
            queries.append(rng.choice(outward))
        elif kind < 0.80:
            queries.append(core(rng.choice(dnos + idnos)))
        elif kind < 0.95:
            distributor_id, llfc = rng.choice(llfcs)
            top = (
                f"{rng.choice(['00', '01', '03', '05'])} {rng.choice(['801', '845', '803'])} {llfc}"
            )
            queries.append(f"S {top} {core(distributor_id)}")
        else:
            queries.append(f"{core(rng.choice(dnos))} {postcode()}")
    return queries
