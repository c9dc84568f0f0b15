"""`python -m pipeline` is the same as `essaycast`."""

from .cli import main

main()
