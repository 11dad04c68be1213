"""A large round for job tests: long enough to interrupt a worker in the middle of it."""

import numpy as np

LOCATIONS = ["Berlin", "Lisbon", "Toronto", "Remote", "Madrid", "Oslo", "Austin", "Kyoto"]
LEVELS = ["Associate", "Professional", "Senior", "Lead", "Manager", "Director"]
TENURE = ["lt_6m", "6_12m", "1_2y", "2_5y", "5y_plus"]
DEPARTMENTS = ["Engineering", "Platform", "Sales"]


def big_history(n_employees: int = 600, n_leaders: int = 6, seed: int = 7) -> str:
    rng = np.random.default_rng(seed)
    lines = ["kind,wave,department,tenure_band,location,level,od1,od2,odl,odp,enps,comment"]
    for _ in range(n_leaders):
        lines.append(f"leadership,big,,,,,,,{rng.integers(3, 6)},{rng.integers(40, 90)},,")
    for _ in range(n_employees):
        lines.append(
            f"pulse,big,{rng.choice(DEPARTMENTS)},{rng.choice(TENURE)},{rng.choice(LOCATIONS)},"
            f"{rng.choice(LEVELS)},{rng.integers(1, 6)},{rng.integers(1, 6)},,,"
            f"{rng.integers(0, 11)},"
        )
    return "\n".join(lines) + "\n"
