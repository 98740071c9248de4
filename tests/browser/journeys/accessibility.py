"""The accessibility audit of the journeys: axe-core run inside the page (the copy the
axe-core-python package ships, so no network), its report saved as JSON beside the
screenshots, and the violations a journey may not leave: impact "serious" or "critical".

ALLOWED is the one place where a rule may be let through, with the reason; keep it empty
unless a rule is wrong about this panel (a false positive), never to hide a real defect."""
import json
from pathlib import Path

from axe_core_python.base import AXE_SCRIPT

FAILING_IMPACTS = ("serious", "critical")

# rule id -> why it is allowed (RGAA / WCAG 2.1 AA is the goal: 0 serious or critical).
ALLOWED = {}

RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]})
  .then(results => done({violations: results.violations, url: results.url, version: results.testEngine.version}))
  .catch(error => done({error: String(error)}));
"""


def audit(chrome, path):
    """Run axe-core on the page shown; write its report to `path` (JSON); return the
    serious or critical violations not in ALLOWED, as readable lines."""
    if not chrome.execute_script("return typeof window.axe === 'object'"):
        chrome.execute_script(AXE_SCRIPT)
    results = chrome.execute_async_script(RUN)
    assert "error" not in results, results
    Path(path).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        + (f" … ({len(violation['nodes'])} in all)" if len(violation["nodes"]) > 5 else "")
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS and violation["id"] not in ALLOWED
    ]
