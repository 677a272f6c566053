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
  training=PRESERVE         with eval mode, BatchNormalization stays (EVAL folds it into Conv)
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


class ResBN(nn.Module):
    """a BN-CNN with a residual block, global average pooling and x.view(x.size(0), -1): Conv
    without bias, BatchNormalization, Add, GlobalAveragePool, Shape -> Gather -> Unsqueeze ->
    Concat -> Reshape, Gemm, LogSoftmax"""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)
        for bn in (self.bn1, self.bn2, self.bn3):  # as after training: not the initial 1s and 0s
            for t in (bn.weight, bn.bias, bn.running_mean):
                t.data.uniform_(-0.5, 1.5)
            bn.running_var.data.uniform_(0.5, 2)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        r = torch.relu(self.bn2(self.conv2(h)))
        h = torch.relu(self.bn3(self.conv3(r)) + h)
        h = self.pool(h)
        h = h.view(h.size(0), -1)
        return torch.log_softmax(self.fc(h), 1)


class Ops(nn.Module):
    """the elementwise and shape ops: LeakyRelu, Elu, GELU (Div, Erf, Add, Mul), LayerNorm as
    opset 13 writes it (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add), Transpose, Slice, Concat,
    Softmax, ReduceSum, MatMul with a transposed weight, PRelu (an Unsqueeze of its weight), Exp"""

    def __init__(self):
        super().__init__()
        self.ln = nn.LayerNorm(6)
        self.fc = nn.Linear(9, 6)
        self.act = nn.PReLU(3)
        with torch.no_grad():
            self.act.weight.uniform_(0, 0.5)
            self.ln.weight.uniform_(0.5, 1.5)
            self.ln.bias.uniform_(-0.5, 0.5)

    def forward(self, x):  # x [2, 3, 6]
        a = nn.functional.leaky_relu(x, 0.2) + nn.functional.elu(x) + nn.functional.gelu(x)
        b = self.ln(a).transpose(1, 2)  # [2, 6, 3]
        c = torch.cat([b, b[:, 1:4, :] ** 2], 1)  # [2, 9, 3]
        d = torch.softmax(c, -1) * c.mean(1, keepdim=True) + c.sum(2, keepdim=True) / 3
        e = self.act(self.fc((d.transpose(1, 2) + 1).sqrt()))
        return e.exp()


class Deconv(nn.Module):
    """opset 17: ConvTranspose (stride 2, padding 1, output_padding 1) and LayerNormalization"""

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)
        self.ln = nn.LayerNorm([4, 6])
        self.up2 = nn.ConvTranspose2d(4, 2, (2, 3), bias=False)
        with torch.no_grad():
            self.ln.weight.uniform_(0.5, 1.5)
            self.ln.bias.uniform_(-0.5, 0.5)

    def forward(self, x):  # x [2, 3, 4, 3]
        h = self.ln(self.up(x).transpose(1, 2))  # [2, 8, 4, 6] normalized over [4, 6]
        return self.up2(h.transpose(1, 2))


class RNNClassifier(nn.Module):
    """a recurrent layer over [T, N, F], the last step's output through a linear layer: LSTM (or
    GRU) exported with the Slice/Concat nodes that make W, R, B from weight_ih_l0 ... and the
    Expand that makes the zero initial states"""

    def __init__(self, kind, bidirectional, layers=1):
        super().__init__()
        self.rnn = getattr(nn, kind)(4, 5, bidirectional=bidirectional, num_layers=layers)
        self.fc = nn.Linear(10 if bidirectional else 5, 3)

    def forward(self, x):
        out = self.rnn(x)[0]
        return self.fc(out[-1])


class Embed(nn.Module):
    """int64 tokens [N, T] (a graph input) -> Gather(emb.weight, tokens) -> mean over T -> Linear"""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.fc = nn.Linear(4, 3)

    def forward(self, t):
        return self.fc(self.emb(t).mean(1))


def export(name, model, shape, seed, scale=1.0, opset=13, dynamic_batch=False, tokens=0):
    torch.manual_seed(seed)
    model.eval()
    x = torch.rand(*shape) * scale - (scale - 1) / 2  # scale 1: U(0, 1); 4: U(-1.5, 2.5)
    if tokens:  # int64 indices below tokens
        x = torch.randint(0, tokens, shape)
    path = os.path.join(OUT, name + ".onnx")
    # PRESERVE: batch norm stays a BatchNormalization (eval would fold it into the convolution)
    torch.onnx.export(model, (x,), path, export_params=True, do_constant_folding=False,
                      opset_version=opset, input_names=["x"], output_names=["y"],
                      training=torch.onnx.TrainingMode.PRESERVE,
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}} if dynamic_batch else None)
    with torch.no_grad():
        y = model.double()(x if tokens else x.double())
    st_write(os.path.join(OUT, name + ".expect.safetensors"), [("input.x", x), ("output", y)])


NSTEPS = 3


def train_steps(name, model, shape, seed, loss_fn, lr, classes, batch_dim=0, train_mode=True):
    """PyTorch training the exported module (train mode: batch statistics, running statistics
    updated) for NSTEPS plain SGD steps on one batch: fixtures/<name>.train.safetensors holds
    input.x, input.target (int32), losses and after.<state_dict name> (parameters and batch norm
    running statistics), float64"""
    torch.manual_seed(seed)
    x = torch.rand(*shape, dtype=torch.float64)
    t = torch.randint(0, classes, (shape[batch_dim],), dtype=torch.int64)
    m = model.double().train(train_mode)
    opt = torch.optim.SGD(m.parameters(), lr=lr)
    losses = []
    for _ in range(NSTEPS):
        opt.zero_grad()
        loss = loss_fn(m(x), t)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    tensors = [("input.x", x), ("input.target", t.to(torch.int32)),
               ("losses", torch.tensor(losses, dtype=torch.float64))]
    tensors += [("after." + k, v) for k, v in m.state_dict().items() if k.split(".")[-1] != "num_batches_tracked"]
    st_write(os.path.join(OUT, name + ".train.safetensors"), tensors)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    mlp = MLP()
    export("mlp", mlp, (4, 1, 28, 28), 11)
    torch.manual_seed(2)
    lenet = LeNet()
    export("lenet", lenet, (2, 1, 28, 28), 12)
    torch.manual_seed(3)
    resbn = ResBN()
    export("resbn", resbn, (2, 1, 8, 8), 13)
    # the module as exported, trained: dlc imports it and trains with --loss nll --optim sgd --lr 0.1
    train_steps("resbn", resbn, (2, 1, 8, 8), 15, nn.functional.nll_loss, 0.1, 10)
    torch.manual_seed(5)
    export("deconv", Deconv(), (2, 3, 4, 3), 16, scale=2.0, opset=17)
    # LeNet with a dynamic batch ("batch"): dlc import --batch B; README trains it on Fashion-MNIST
    torch.manual_seed(8)
    export("lenet_dyn", LeNet(), (2, 1, 28, 28), 20, dynamic_batch=True)
    torch.manual_seed(9)
    export("embed", Embed(), (2, 5), 21, tokens=10)
    torch.manual_seed(6)
    lstm = RNNClassifier("LSTM", False)
    export("lstm", lstm, (6, 2, 4), 17, scale=2.0)
    train_steps("lstm", lstm, (6, 2, 4), 18, nn.functional.cross_entropy, 0.5, 3, batch_dim=1)
    # the MLP in eval mode (its Dropout is not in the eval export), cross_entropy on its sigmoid
    # outputs (unusual but valid: the same loss on both sides)
    train_steps("mlp", mlp, (4, 1, 28, 28), 23, nn.functional.cross_entropy, 0.5, 10, train_mode=False)
    train_steps("lenet", lenet, (2, 1, 28, 28), 24, nn.functional.cross_entropy, 0.1, 10)
    torch.manual_seed(7)
    export("gru_bi", RNNClassifier("GRU", True), (5, 3, 4), 19, scale=2.0)
    # two layers: one ONNX node per layer ("/rnn/LSTM", "/rnn/LSTM_1"), imported as one module
    torch.manual_seed(10)
    export("lstm2_bi", RNNClassifier("LSTM", True, layers=2), (5, 2, 4), 22, scale=2.0)
    torch.manual_seed(4)
    export("ops", Ops(), (2, 3, 6), 14, scale=4.0)


if __name__ == "__main__":
    main()
