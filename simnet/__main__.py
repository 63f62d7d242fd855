import sys

from simnet.cli import main

__all__ = []

sys.exit(main())
