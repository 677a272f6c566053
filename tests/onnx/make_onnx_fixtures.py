"""make_onnx_fixtures.py - the ONNX files of the import tests (tests/onnx), exported by PyTorch
(Debian's python3-torch; torch.onnx.export needs no `onnx` Python package), and for each a
safetensors file of a sample input and PyTorch's output on it, in float64 as the reference.

    /usr/bin/python3 tests/onnx/make_onnx_fixtures.py      # rewrites tests/onnx/fixtures/

Export settings and what they give (checked with torch 1.13, opset 13):
  export_params=True        the weights are initializers, named as the module's state_dict
                            names them ("fc1.weight"), which dlc import keeps
  do_constant_folding=False no folded constants under generated names ("onnx::MatMul_12"):
                            nn.Linear stays one Gemm(x, fc1.weight, fc1.bias, transB=1)
  eval mode                 Dropout is exported as an inference no-op, or dropped
The batch is fixed (no dynamic_axes), so every dimension is static.
Deterministic: fixed seeds, same tensors, same bytes (the .onnx too, for one torch version)."""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from safetensors_io import st_write  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 32)
        self.fc2 = nn.Linear(32, 16)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(16, 10)

    def forward(self, x):
        h = torch.relu(self.fc1(self.flatten(x)))
        h = self.drop(torch.tanh(self.fc2(h)))
        return torch.sigmoid(self.out(h))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        h = self.pool1(torch.relu(self.conv1(x)))
        h = self.pool2(torch.relu(self.conv2(h)))
        h = h.reshape(-1, 400)
        h = torch.relu(self.fc1(h))
        return self.fc3(torch.relu(self.fc2(h)))


def export(name, model, shape, seed):
    torch.manual_seed(seed)
    model.eval()
    x = torch.rand(*shape)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, (x,), path, export_params=True, do_constant_folding=False,
                      opset_version=13, input_names=["x"], output_names=["y"])
    with torch.no_grad():
        y = model.double()(x.double())
    st_write(os.path.join(OUT, name + ".expect.safetensors"), [("input.x", x), ("output", y)])


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    export("mlp", MLP(), (4, 1, 28, 28), 11)
    torch.manual_seed(2)
    export("lenet", LeNet(), (2, 1, 28, 28), 12)


if __name__ == "__main__":
    main()
