"""The few errors essaycast raises on purpose.

Every one of them is a ClickException, so the CLI prints it as a single
`Error: ...` line with the right exit code and no traceback (unless -v).
"""

from __future__ import annotations

import click


class EssaycastError(click.ClickException):
    """A problem the user can fix; printed as one line."""

    exit_code = 1


class ConfigError(EssaycastError):
    """podcast.toml or a command-line option is wrong (exit 2)."""

    exit_code = 2

    def __init__(self, problems: str | list[str], source: str = "podcast.toml") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        super().__init__(f"{source}: " + "; ".join(self.problems))


class EssayError(EssaycastError):
    """One essay cannot be read or rendered; the build goes on without it."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class EngineUnavailable(EssaycastError):
    """A voice engine cannot run here (missing model, no network, ...)."""


class BuildLocked(EssaycastError):
    """Another build holds this show's lock."""
