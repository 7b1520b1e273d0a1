"""``python -m leadrouter``: the same as the ``leadrouter`` command."""

from leadrouter.cli import main

main()
