"""python3 -m sweep {sweep,merge,status,task} ... (with experiments/ on PYTHONPATH):
what the SLURM scripts run on the compute nodes."""
import sys

from .cli import main

sys.exit(main())
