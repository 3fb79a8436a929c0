"""python3 -m driftlab.sweep {sweep,merge,status,task} ... (with driftlab.paths.pythonpath() as PYTHONPATH):
what the SLURM scripts run on the compute nodes."""
import sys

from .cli import main

sys.exit(main())
