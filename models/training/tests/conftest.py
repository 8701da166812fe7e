import sys
from pathlib import Path

import torch

TRAINING_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TRAINING_ROOT))
torch.set_num_threads(1)
