"""Action for plugspace.monitoring.service: install, configure, start/restart/reload, verify.

One task per host instead of three: the install and the config step are
file_set runs, and the lifecycle module runs only when something must be
started, restarted or reloaded (binary_service's README, "Lifecycle").
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

from .file_set import ActionModule as FileSetAction

LIFECYCLE = "plugspace.monitoring.lifecycle"


def lifecycle_action(
    install: Mapping[str, Any],
    configured: Mapping[str, Any],
    reread_paths: Iterable[str],
    exec_reload: bool,
) -> str:
    """What the run step does, from what the install and config steps changed.

    - restarted: a binary, the unit, the environment, the account or a config file
      marked restart changed, or any config change of a program without a reload;
    - reloaded: any other config change outside the paths the program re-reads itself;
    - none: nothing changed and the unit is active and enabled;
    - started: the unit was found stopped, disabled or crash-looping.
    """
    restart = bool(install.get("restart")) or bool(configured.get("restart"))
    reread = set(reread_paths)
    reload = any(
        posixpath.dirname(path) not in reread for path in configured.get("changed_paths") or []
    )
    state = install.get("service_state") or {}
    if restart or (reload and not exec_reload):
        return "restarted"
    if reload:
        return "reloaded"
    if state.get("active") and state.get("enabled"):
        return "none"
    return "started"


def refused_message(inputs: str, message: str, name: str) -> str:
    """The config step's failure, naming the inputs whose files were refused."""
    prefix = f"{inputs} were refused: " if inputs else ""
    return f"{prefix}{message} The running {name} keeps its previous config."


def lifecycle_args(run: Mapping[str, Any], action: str, daemon_reload: bool) -> dict[str, Any]:
    """The lifecycle module's arguments; unset optional values are left out."""
    args = {key: value for key, value in run.items() if value is not None and value != ""}
    args.update(action=action, daemon_reload=daemon_reload)
    return args


def combine(*results: Mapping[str, Any]) -> dict[str, Any]:
    """One task result from the steps that ran (a failure is the last step's)."""
    combined: dict[str, Any] = {"changed": False, "changed_paths": [], "restart": False}
    diffs: list[Any] = []
    for result in results:
        combined["changed"] = combined["changed"] or bool(result.get("changed"))
        combined["changed_paths"] += list(result.get("changed_paths") or [])
        combined["restart"] = combined["restart"] or bool(result.get("restart"))
        diff = result.get("diff")
        if diff:
            diffs += diff if isinstance(diff, list) else [diff]
        for key in ("service_state", "action", "state", "journal", "failed", "msg"):
            if key in result:
                combined[key] = result[key]
    if diffs:
        combined["diff"] = diffs
    return combined


class ActionModule(FileSetAction):
    """Install, configure and run one service in a single task."""

    @classmethod
    def finalize_task_arg(cls, name: str, value: Any, templar: Any, context: Any) -> Any:
        # The config files and the run step's arguments are rendered only when their
        # step runs: not in check mode on a host without the service, not after a
        # failed install, and (run) not on a host where nothing changed.
        if name in ("config", "run"):
            return value
        return super().finalize_task_arg(name, value, templar, context)

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        self._supports_check_mode = True
        result: dict[str, Any] = super(FileSetAction, self).run(tmp, task_vars)
        args: dict[str, Any] = dict(self._task.args)
        name = str(args["name"])
        installed = self.converge_files(dict(args["install"]), task_vars)
        if installed.get("failed"):
            return {**result, **combine(installed)}
        state = installed.get("service_state") or {}
        if self._task.check_mode and not state.get("loaded"):
            # A host without the unit yet: its directories and checkers do not exist
            # either; the install step already reports that everything would be created.
            return {**result, **combine(installed), "action": "none"}
        config: dict[str, Any] = dict(self._templar.template(args.get("config")) or {})
        configured: dict[str, Any] = {}
        if config.get("files") or config.get("purge"):
            configured = self.converge_files(
                {"files": config.get("files") or [], "purge": config.get("purge") or []},
                task_vars,
            )
            if configured.get("failed"):
                configured["msg"] = refused_message(
                    str(config.get("inputs") or ""), str(configured.get("msg", "")), name
                )
                return {**result, **combine(installed, configured)}
        action = lifecycle_action(
            installed, configured, args.get("reread_paths") or [], bool(args.get("exec_reload"))
        )
        if action == "none":
            return {**result, **combine(installed, configured), "action": "none"}
        daemon_reload = args.get("unit_file") in (installed.get("changed_paths") or [])
        ran: dict[str, Any] = self._execute_module(
            LIFECYCLE,
            module_args=lifecycle_args(
                {"name": name, **(self._templar.template(args.get("run")) or {})},
                action,
                daemon_reload,
            ),
            task_vars=task_vars,
        )
        ran.pop("invocation", None)
        return {**result, **combine(installed, configured, ran)}
