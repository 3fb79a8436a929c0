"""python3 -m sweep {sweep,merge,status,task} ... (with driftlab.paths.pythonpath() as PYTHONPATH):
what the SLURM scripts run on the compute nodes."""
import sys

from .cli import main

sys.exit(main())
