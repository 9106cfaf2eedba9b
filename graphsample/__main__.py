"""``python -m graphsample ...``: the same command line as the ``graphsample`` console script (for environments
where the script's folder is not on PATH)."""

from .cli import main

main()
