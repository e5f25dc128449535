"""The notebooks are the tour of autorisk: all eight are there and committed with their outputs.

CI executes them (``--nbmake`` in the pytest options); this checks what a reader
sees on a code host without running anything.
"""

import json
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
TOUR = [
    "01_data_and_exposure",
    "02_glm_frequency_severity",
    "03_gbm_challenger",
    "04_rating_plan",
    "05_renewal_and_rerating",
    "06_indication_and_reserving",
    "07_demand_and_optimisation",
    "08_automatic_models",
]


def test_the_tour_is_complete():
    assert sorted(p.stem for p in FOLDER.glob("*.ipynb")) == TOUR


@pytest.mark.parametrize("name", TOUR)
def test_notebook_is_committed_with_outputs(name):
    cells = json.loads((FOLDER / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code, f"{name} has no code cell"
    # every code cell was run, in order, in one session
    counts = [cell["execution_count"] for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{name}: execution counts {counts}"
    assert not [o for cell in code for o in cell["outputs"] if o["output_type"] == "error"]
    outputs = [o for cell in code for o in cell["outputs"]]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{name} shows no chart"
    assert cells[0]["cell_type"] == "markdown" and cells[0]["source"], f"{name} opens without a title"
