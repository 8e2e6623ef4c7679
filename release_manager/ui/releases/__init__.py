"""The releases part of the main window: a controller per workspace running the engine in
workers, the dashboard (what is deployed where, promote, redeploy, rollback, cancel), the
approvals inbox and the live release status on the stage graph."""
