"""Synthetic head-CT phantoms with haemorrhages: 3-D anatomy in HU, bleeds of every subtype,
scanner effects, and a DICOM series writer. See ichtrain.phantom.__main__ for the CLI."""
