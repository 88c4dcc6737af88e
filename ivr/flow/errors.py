"""Errors an operator reads: each names the file, line and column and says what is wrong in words."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.core.errors import IvrError


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    yaml_path: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        path = f" (at {self.yaml_path})" if self.yaml_path else ""
        return f"{where}{self.message}{path}"


class FlowError(IvrError):
    """The flow on disk cannot be used. ``problems`` lists every reason found, not only the first."""

    hint = "run `ivr validate` to see every problem with its file and line"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
