"""The pipelines area: pipelines list/get, run (RunPipelineParameters), runs list/get and
run logs."""

from __future__ import annotations

from ..auth import QUEUE_BUILDS, VIEW_BUILDS
from ..errors import bad_request, not_found
from ..paging import collection, page
from ..router import Call, Route, route
from ..runs import Run
from ..state import Pipeline, Project
from ..transport import Response

_RUN_STATES = {"notStarted": "inProgress", "inProgress": "inProgress",
               "cancelling": "canceling", "completed": "completed"}


def pipeline_json(pipeline: Pipeline, project_url: str) -> dict:
    url = f"{project_url}/_apis/pipelines/{pipeline.id}?revision={pipeline.revision}"
    return {
        "_links": {"self": {"href": url},
                   "web": {"href": f"{project_url}/_build/definition?definitionId={pipeline.id}"}},
        "configuration": {"type": "yaml", "path": pipeline.path,
                          "repository": {"id": pipeline.name, "type": "azureReposGit"}},
        "url": url, "id": pipeline.id, "revision": pipeline.revision,
        "name": pipeline.name, "folder": pipeline.folder,
    }


def run_json(run: Run, project_url: str) -> dict:
    url = f"{project_url}/_apis/pipelines/{run.pipeline.id}/runs/{run.id}"
    value = {
        "_links": {"self": {"href": url},
                   "web": {"href": f"{project_url}/_build/results?buildId={run.id}"},
                   "pipeline": {"href": f"{project_url}/_apis/pipelines/{run.pipeline.id}"}},
        "pipeline": {"url": f"{project_url}/_apis/pipelines/{run.pipeline.id}",
                     "id": run.pipeline.id, "revision": run.pipeline.revision,
                     "name": run.pipeline.name, "folder": run.pipeline.folder},
        "state": _RUN_STATES[run.status], "createdDate": run.queue_time, "url": url,
        "resources": {"repositories": {"self": {
            "repository": {"id": run.pipeline.name, "type": "azureReposGit"},
            "refName": run.branch, "version": run.version}}},
        "templateParameters": run.template_parameters,
        "variables": {name: ({"isSecret": True} if var.get("isSecret") else var)
                      for name, var in run.variables.items()},
        "id": run.id, "name": run.number,
    }
    if run.status == "completed":
        value |= {"result": run.result, "finishedDate": run.finish_time}
    return value


def find_pipeline(project: Project, pipeline_id: int) -> Pipeline:
    pipeline = project.pipelines.get(pipeline_id)
    if pipeline is None:
        raise not_found("Pipeline", pipeline_id)
    return pipeline


def find_run(project: Project, run_id: int, pipeline_id: int | None = None) -> Run:
    run = project.runs.get(run_id)
    if run is None or (pipeline_id is not None and run.pipeline.id != pipeline_id):
        raise not_found("Run", run_id)
    return run


def routes(lock) -> list[Route]:
    def list_pipelines(call: Call) -> Response:
        with lock:
            order = call.query("orderBy", "name asc") or "name asc"
            items = sorted(call.project.pipelines.values(),
                           key=lambda p: p.name.lower() if order.startswith("name") else p.id,
                           reverse=order.endswith("desc"))
            chunk, token = page(items, call.query("$top"), call.query("continuationToken"),
                                key=lambda p: str(p.id))
            return collection([pipeline_json(p, call.project_url) for p in chunk], token)

    def get_pipeline(call: Call) -> Response:
        with lock:
            pipeline = find_pipeline(call.project, call.int_param("pipelineId"))
            return Response.json(pipeline_json(pipeline, call.project_url))

    def run_pipeline(call: Call) -> Response:
        body = call.json() or {}
        if body.get("previewRun"):
            raise bad_request("The emulator does not preview runs.")
        with lock:
            pipeline = find_pipeline(call.project, call.int_param("pipelineId"))
            self_repo = ((body.get("resources") or {}).get("repositories") or {}).get("self") or {}
            run = Run.queue(
                call.project, pipeline, call.grant.identity,
                branch=self_repo.get("refName") or "refs/heads/main",
                version=self_repo.get("version") or "",
                template_parameters=body.get("templateParameters"),
                variables=body.get("variables"),
                stages_to_skip=body.get("stagesToSkip") or [])
            return Response.json(run_json(run, call.project_url))

    def list_runs(call: Call) -> Response:
        with lock:
            pipeline = find_pipeline(call.project, call.int_param("pipelineId"))
            runs = sorted((r for r in call.project.runs.values() if r.pipeline is pipeline),
                          key=lambda r: r.id, reverse=True)[:10000]
            return collection([run_json(r, call.project_url) for r in runs], None)

    def get_run(call: Call) -> Response:
        with lock:
            run = find_run(call.project, call.int_param("runId"), call.int_param("pipelineId"))
            return Response.json(run_json(run, call.project_url))

    def log_json(call: Call, run: Run, log) -> dict:
        url = f"{call.project_url}/_apis/pipelines/{run.pipeline.id}/runs/{run.id}/logs/{log.id}"
        value = {"id": log.id, "createdOn": log.created_on, "lastChangedOn": log.last_changed_on,
                 "lineCount": len(log.lines), "url": url}
        if call.query("$expand") == "signedContent":
            value["signedContent"] = {
                "url": f"{call.project_url}/_apis/build/builds/{run.id}/logs/{log.id}",
                "signatureExpires": "2099-01-01T00:00:00Z"}
        return value

    def list_logs(call: Call) -> Response:
        with lock:
            run = find_run(call.project, call.int_param("runId"), call.int_param("pipelineId"))
            return Response.json({"logs": [log_json(call, run, log) for log in run.logs],
                                  "url": f"{call.project_url}/_apis/pipelines/"
                                         f"{run.pipeline.id}/runs/{run.id}/logs"})

    def get_log(call: Call) -> Response:
        with lock:
            run = find_run(call.project, call.int_param("runId"), call.int_param("pipelineId"))
            log = next((log for log in run.logs if log.id == call.int_param("logId")), None)
            if log is None:
                raise not_found("Log", call.params["logId"])
            return Response.json(log_json(call, run, log))

    base = "{project}/_apis/pipelines/{pipelineId:int}"
    return [
        route("GET", "{project}/_apis/pipelines", list_pipelines, VIEW_BUILDS),
        route("GET", base, get_pipeline, VIEW_BUILDS),
        route("POST", f"{base}/runs", run_pipeline, QUEUE_BUILDS),
        route("GET", f"{base}/runs", list_runs, VIEW_BUILDS),
        route("GET", f"{base}/runs/{{runId:int}}", get_run, VIEW_BUILDS),
        route("GET", f"{base}/runs/{{runId:int}}/logs", list_logs, VIEW_BUILDS),
        route("GET", f"{base}/runs/{{runId:int}}/logs/{{logId:int}}", get_log, VIEW_BUILDS),
    ]
