"""What a stage's card shows, worked out from the model: plain data, compared between edits
so that only the cards whose content changed are redrawn."""

from __future__ import annotations

from dataclasses import dataclass

from release_manager.core.model import Pipeline, Stage

DEFAULT_CONDITION = "succeeded()"


@dataclass(frozen=True)
class Badge:
    kind: str
    """"condition", "default-condition", "schedule", "approvals", "template", "error",
    "warning"."""
    text: str
    tooltip: str


@dataclass(frozen=True)
class StageCard:
    name: str
    title: str
    subtitle: str
    environments: tuple[str, ...]
    badges: tuple[Badge, ...]
    editable: bool
    tooltip: str


def describe_stage(
    pipeline: Pipeline,
    stage: Stage,
    diagnostics: list[tuple[str, str]],
    dependencies: list[str],
) -> StageCard:
    """The card of `stage`; `diagnostics` are (severity, message) pairs about it and
    `dependencies` the stages it runs after."""
    badges = [
        _condition_badge(stage),
        _schedule_badge(pipeline, stage, dependencies),
        _approvals_badge(pipeline, stage),
        _template_badge(stage),
        _diagnostics_badge(diagnostics),
    ]
    if stage.kind == "expression":
        title = stage.name
        subtitle = "Template block: " + (", ".join(stage.inner) or "no stages")
    else:
        title = stage.label
        subtitle = stage.name if stage.display_name and stage.display_name != stage.name else ""
        if not subtitle:
            subtitle = _jobs_summary(stage)
    environments = tuple(stage.environments)
    tooltip_lines = [f"<b>{_escape(title)}</b>", f"Stage: {_escape(stage.name)}"]
    if environments:
        tooltip_lines.append("Environment: " + _escape(", ".join(environments)))
    if stage.kind != "expression":
        tooltip_lines.append("Depends on: " + (_escape(", ".join(dependencies)) or "nothing"))
    if stage.kind == "expression":
        tooltip_lines.append("Template expressions are shown, not edited.")
    return StageCard(
        name=stage.name,
        title=title,
        subtitle=subtitle,
        environments=environments,
        badges=tuple(badge for badge in badges if badge is not None),
        editable=stage.editable,
        tooltip="<br>".join(tooltip_lines),
    )


def _jobs_summary(stage: Stage) -> str:
    if stage.kind == "template":
        return f"Template {stage.template}"
    if not stage.jobs:
        return "No jobs"
    steps = sum(len(job.all_steps()) for job in stage.jobs)
    jobs = f"{len(stage.jobs)} job" + ("s" if len(stage.jobs) != 1 else "")
    return f"{jobs} · {steps} step" + ("s" if steps != 1 else "")


def _condition_badge(stage: Stage) -> Badge | None:
    if stage.kind == "expression":
        return None
    condition = (stage.condition or "").strip()
    if not condition or condition.replace(" ", "") == DEFAULT_CONDITION:
        return Badge(
            "default-condition",
            "if",
            f"Default condition: {DEFAULT_CONDITION} (runs when its dependencies succeeded)",
        )
    return Badge("condition", "if", "Custom condition:\n" + condition)


def _mentions_schedule(condition: str | None) -> bool:
    text = (condition or "").lower()
    return "build.reason" in text and "schedule" in text


def _schedule_badge(pipeline: Pipeline, stage: Stage, dependencies: list[str]) -> Badge | None:
    if _mentions_schedule(stage.condition):
        return Badge(
            "schedule",
            "",
            "Scheduled runs: this stage's condition checks Build.Reason for 'Schedule'.\n"
            + (stage.condition or "").strip(),
        )
    if stage.kind == "expression" or not pipeline.schedules:
        return None
    if dependencies:
        return None
    lines = [
        f"• {s.cron}" + (f"  ({s.display_name})" if s.display_name else "")
        for s in pipeline.schedules
    ]
    return Badge(
        "schedule",
        "",
        "The pipeline has schedules; a scheduled run starts here, at a stage with no "
        "dependencies:\n" + "\n".join(lines),
    )


def _approvals_badge(pipeline: Pipeline, stage: Stage) -> Badge | None:
    required = 0
    lines = []
    for name in stage.environments:
        environment = pipeline.environments.get(name)
        policy = environment.approval if environment else None
        if policy is None:
            continue
        required += policy.minimum_approvers
        who = ", ".join(policy.approvers) or "nobody yet"
        lines.append(
            f"{name}: {policy.minimum_approvers} approval(s) required "
            f"({policy.order} order) from {who}"
        )
    if not lines:
        return None
    return Badge("approvals", str(required), "Approvals\n" + "\n".join(lines))


def _template_badge(stage: Stage) -> Badge | None:
    if stage.kind != "template":
        return None
    found = "expanded from the local file" if stage.resolved else "file not found locally"
    return Badge("template", "T", f"Stage template {stage.template} ({found}); read-only inside")


def _diagnostics_badge(diagnostics: list[tuple[str, str]]) -> Badge | None:
    if not diagnostics:
        return None
    worst = "error" if any(sev == "error" for sev, _ in diagnostics) else "warning"
    if worst == "warning" and not any(sev == "warning" for sev, _ in diagnostics):
        return None  # infos only
    text = "\n".join(f"{sev}: {message}" for sev, message in diagnostics)
    return Badge(worst, "!", text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
