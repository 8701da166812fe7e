import torch

from ichtrain.model import SliceCnn


def test_cam_equals_autograd_gradcam_up_to_scale():
    torch.manual_seed(0)
    cnn = SliceCnn(width=8).eval()
    # Non-trivial BN so the feature map is not degenerate.
    for m in cnn.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(m.weight, 0.5, 1.5)
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
