"""ichtrain: training, export and synthetic data for the ICH triage detector."""
