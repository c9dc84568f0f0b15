"""essaycast: turn a folder of essays into a narrated podcast.

The public API; importing it loads no voice model, audio or feed library.
"""

from __future__ import annotations

from importlib.metadata import version

__version__ = version("essaycast")  # one source: pyproject.toml's [project] version

from .build import build_share, build_show, plan_show, publish_show
from .config import Show, load_show
from .model import BuildReport
from .standalone import build_episode

__all__ = [
    "BuildReport",
    "Show",
    "__version__",
    "build_episode",
    "build_share",
    "build_show",
    "load_show",
    "plan_show",
    "publish_show",
]
