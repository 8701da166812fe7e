"""The sequence model's optional last step: neighbour smoothing that keeps each scan's peak."""
import torch

from ichtrain.model import ScanModel, neighbour_smoothed


def test_smoothing_weights_a_slice_twice_its_neighbours_repeats_the_ends_and_keeps_the_peak_if_asked():
    z = torch.tensor([[0.0], [4.0], [-4.0]])
    assert torch.allclose(neighbour_smoothed(z), torch.tensor([[1.0], [1.0], [-2.0]]))
    assert torch.allclose(neighbour_smoothed(z, keep_peak=True), torch.tensor([[1.0], [4.0], [-2.0]]))
    # A single slice (a single image) is itself.
    assert torch.equal(neighbour_smoothed(z[:1], keep_peak=True), z[:1])


def test_the_scan_model_smooths_its_probabilities_only_and_keeps_each_scans_highest_slice():
    torch.manual_seed(0)
    plain = ScanModel(embedding_size=16, pca_dim=4, hidden=8, layers=1).eval()
    smoothed = ScanModel(embedding_size=16, pca_dim=4, hidden=8, layers=1, peak_kept_smoothing=True).eval()
    smoothed.load_state_dict(plain.state_dict())
    embedding, slice_probs = torch.randn(1, 9, 16), torch.rand(1, 9, 6)
    with torch.no_grad():
        # forward (what training and calibration fit) is untouched.
        assert torch.equal(smoothed(embedding, slice_probs), plain(embedding, slice_probs))
        before, after = plain.probs(embedding, slice_probs), smoothed.probs(embedding, slice_probs)
    assert torch.equal(after.max(dim=1).values, before.max(dim=1).values)
    assert (after >= before).all() and (after > before + 1e-3).any()
