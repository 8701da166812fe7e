import torch

import torch.nn.functional as F

from ichtrain.model import FlipAveraged, SliceCnn, SliceCnnEnsemble, slice_cnn_members, without_test_time_flip


def _non_trivial(cnn):
    """Non-trivial BN so the feature map is not degenerate; eval mode."""
    for m in cnn.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(m.weight, 0.5, 1.5)
    return cnn.eval()


def test_cam_equals_autograd_gradcam_up_to_scale():
    torch.manual_seed(0)
    cnn = _non_trivial(SliceCnn(width=8))
    x = torch.randn(2, 3, 128, 128)
    logits, embedding, cam = cnn(x)
    fmap = cnn.feature_map(x)
    fmap.retain_grad()
    logits_again = cnn.head(fmap.mean(dim=(2, 3)))
    assert torch.allclose(logits_again, logits, atol=1e-5)
    hw = fmap.shape[2] * fmap.shape[3]
    for k in range(6):
        fmap.grad = None
        logits_again[:, k].sum().backward(retain_graph=True)
        alpha = fmap.grad.mean(dim=(2, 3), keepdim=True)  # Grad-CAM channel weights
        gradcam = (alpha * fmap).sum(dim=1)  # before Grad-CAM's ReLU
        assert torch.allclose(cam[:, k] / hw, gradcam, atol=1e-5)
        assert torch.allclose(torch.relu(cam[:, k]) / hw, torch.relu(gradcam), atol=1e-5)
    # The CAM averages back to the logit minus the bias.
    assert torch.allclose(cam.mean(dim=(2, 3)) + cnn.head.bias, logits, atol=1e-5)
    assert embedding.shape == (2, cnn.embedding_size)


def test_work_size_resizes_inside_the_network_as_training_batches_are_resized():
    torch.manual_seed(1)
    cnn = _non_trivial(SliceCnn(width=8, work_size=96))
    x = torch.randn(2, 3, 256, 256)
    logits, embedding, cam = cnn(x)
    small = F.interpolate(x, size=(96, 96), mode='bilinear', align_corners=False)
    logits_small, embedding_small, cam_small = cnn(small)
    assert torch.allclose(logits, logits_small, atol=1e-6) and torch.allclose(cam, cam_small, atol=1e-6)
    assert cam.shape[-2:] == (3, 3)  # 96 / 32


def test_ensemble_averages_logits_and_cams_and_keeps_every_embedding():
    torch.manual_seed(2)
    members = [_non_trivial(SliceCnn(width=8, work_size=64)) for _ in range(3)]
    ensemble = SliceCnnEnsemble(members).eval()
    x = torch.randn(2, 3, 128, 128)
    logits, embedding, cam = ensemble(x)
    outputs = [m(x) for m in members]
    assert torch.allclose(logits, sum(o[0] for o in outputs) / 3, atol=1e-6)
    assert embedding.shape == (2, 3 * members[0].embedding_size) == (2, ensemble.embedding_size)
    assert torch.allclose(embedding[:, members[0].embedding_size:2 * members[0].embedding_size], outputs[1][1])
    # As for one CNN: the CAM averages back to the logit minus the (mean) bias.
    bias = torch.stack([m.head.bias for m in members]).mean(dim=0)
    assert torch.allclose(cam.mean(dim=(2, 3)) + bias, logits, atol=1e-5)
    assert slice_cnn_members(ensemble) == members and slice_cnn_members(members[0]) == [members[0]]


def test_flip_averaging_is_the_mean_of_both_views_and_mirror_symmetric():
    torch.manual_seed(3)
    members = [_non_trivial(SliceCnn(width=8, work_size=64)) for _ in range(2)]
    ensemble = SliceCnnEnsemble(members).eval()
    flipped = FlipAveraged(ensemble).eval()
    x = torch.randn(2, 3, 128, 128)
    mirror = torch.flip(x, dims=[3])
    logits, embedding, cam = flipped(x)
    plain, plain_mirror = ensemble(x), ensemble(mirror)
    assert torch.allclose(logits, (plain[0] + plain_mirror[0]) / 2, atol=1e-6)
    assert torch.allclose(embedding, (plain[1] + plain_mirror[1]) / 2, atol=1e-6)
    assert not torch.allclose(logits, plain[0], atol=1e-3)  # the mirror is a second opinion, not a copy
    # A mirrored image gets the same scores and the mirrored CAM.
    m_logits, m_embedding, m_cam = flipped(mirror)
    assert torch.allclose(m_logits, logits, atol=1e-5) and torch.allclose(m_embedding, embedding, atol=1e-5)
    assert torch.allclose(m_cam, torch.flip(cam, dims=[3]), atol=1e-5)
    bias = torch.stack([m.head.bias for m in members]).mean(dim=0)
    assert torch.allclose(cam.mean(dim=(2, 3)) + bias, logits, atol=1e-5)


def test_flip_averaging_keeps_the_weights_keys_and_runs_each_member_mirrored_too():
    torch.manual_seed(4)
    members = [_non_trivial(SliceCnn(width=8, work_size=64)) for _ in range(2)]
    ensemble = SliceCnnEnsemble(members).eval()
    flipped = FlipAveraged(ensemble)
    assert list(flipped.state_dict()) == list(ensemble.state_dict())
    other = FlipAveraged(SliceCnnEnsemble([SliceCnn(width=8, work_size=64) for _ in range(2)]))
    other.load_state_dict(ensemble.state_dict())
    x = torch.randn(1, 3, 64, 64)
    assert torch.equal(other.eval()(x)[0], flipped(x)[0])
    assert without_test_time_flip(flipped) is ensemble and without_test_time_flip(ensemble) is ensemble
    per_member = slice_cnn_members(flipped)
    assert [type(m) for m in per_member] == [FlipAveraged, FlipAveraged]
    assert [m.cnn for m in per_member] == members
    assert torch.allclose(per_member[1](x)[0], FlipAveraged(members[1])(x)[0])
