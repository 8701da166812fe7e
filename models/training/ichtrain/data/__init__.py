"""Data sources: synthetic phantoms, RSNA-format DICOM, windowed PNG sets, patient splits."""
