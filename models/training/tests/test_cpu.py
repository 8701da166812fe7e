"""keep_freed_memory: memory freed by one training step is reused by the next without page faults."""
import subprocess
import sys
from pathlib import Path

STEPS = 10

# A training step's pattern: a batch, arithmetic on it, a resize; all freed at the end of the step.
# Faults are counted after two warm-up steps, which have to fault their memory in either way.
PROBE = f'''
import resource, sys
import torch
import torch.nn.functional as F
if sys.argv[1] == 'keep':
    from ichtrain.cpu import keep_freed_memory
    assert keep_freed_memory()
torch.set_num_threads(1)
def step():
    x = torch.rand(32, 3, 256, 256)
    y = x * 2 + 1
    F.interpolate(y, size=(160, 160), mode='bilinear', align_corners=False)
step()
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range({STEPS}):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
'''


def page_faults(mode: str) -> int:
    out = subprocess.run([sys.executable, '-c', PROBE, mode], check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    return int(out.stdout.strip())


def test_training_steps_reuse_freed_memory_without_page_faults():
    batch_pages = 32 * 3 * 256 * 256 * 4 // 4096
    kept = page_faults('keep')
    # Steps after the warm-up reuse its memory: ten steps fault at most a few batches' pages
    # (measured: 0 or one batch's worth, against 25 batches' worth by default).
    assert kept < 3 * batch_pages
    # By default glibc hands blocks of this size back and maps them again (unless the kernel backs
    # them with huge pages): then every step faults at least a batch's pages.
    default = page_faults('default')
    if default > STEPS * batch_pages:
        assert kept * 10 < default
