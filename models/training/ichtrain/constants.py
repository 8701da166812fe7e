"""Values shared by training, export and the TypeScript engine (src-main/contract/classes.ts)."""

# Class order used by every array, CSV and model output in the project.
CLASSES = (
    'any',
    'epidural',
    'intraparenchymal',
    'intraventricular',
    'subarachnoid',
    'subdural',
)
SUBTYPES = CLASSES[1:]

# Competition metric weights: `any` counts twice.
CLASS_WEIGHTS = (2.0, 1.0, 1.0, 1.0, 1.0, 1.0)

# Input channels, in channel order (Burduja et al. 2020).
WINDOWS = (
    {'name': 'brain', 'center': 40.0, 'width': 80.0},
    {'name': 'subdural', 'center': 80.0, 'width': 200.0},
    {'name': 'soft-tissue', 'center': 40.0, 'width': 380.0},
)

INPUT_SIZE = 256

# The seed's per-channel normalisation (after windowing to [0, 1]).
SEED_MEAN = (0.1738, 0.1433, 0.1970)
SEED_STD = (0.3161, 0.2850, 0.3111)
