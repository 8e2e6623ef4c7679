"""A generated pipeline as large as the input cap allows, for the scale tests and the
`scale` benchmark: stages in waves, each depending on one or two earlier ones."""

from __future__ import annotations

CAP_STAGES = 21_795
"""The stage count of the largest such file under the 2 MB input cap (about 1.95 MB)."""


def scale_pipeline(count: int = CAP_STAGES) -> str:
    """`count` stages: each depends on the stage before it, every third also on one a few
    waves back, every seventh has a condition on its dependencies; one job each, every
    fourth a deployment job."""
    lines = ["stages:"]
    for index in range(count):
        lines.append(f"- stage: S{index}")
        if index:
            deps = [index - 1] if index % 3 or index < 12 else [index - 1, index - 11]
            listed = ", ".join(f"S{d}" for d in deps)
            lines.append(f"  dependsOn: [{listed}]" if len(deps) > 1 else f"  dependsOn: {listed}")
            if index % 7 == 0:
                lines.append(f"  condition: succeeded('S{deps[-1]}')")
        if index % 6 == 0:
            lines += ["  jobs:", "  - deployment: D", f"    environment: e{index % 9}",
                      "    strategy: {runOnce: {deploy: {steps: [script: d]}}}"]
        else:
            lines += ["  jobs:", "  - job: J", "    steps: [script: b]"]
    return "\n".join(lines) + "\n"
