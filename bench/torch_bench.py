"""torch_bench.py - the PyTorch side of bench/run.sh: the same nets, shapes, loss and optimizer
as the dlc benchmark models, timed the same way as bench/driver.c.

Usage:  /usr/bin/python3 torch_bench.py MODEL train|forward --threads N [--seconds S] [--repeats R]
        /usr/bin/python3 torch_bench.py MODEL train|forward --threads 1 --iters N --callgrind LIB

Prints one line that bench/run.sh parses (the format of driver.c):
  RESULT <mode> <median/s> <min/s> <max/s> <iters per repeat> <last loss>

A training step is what a PyTorch user writes: zero_grad, forward, loss, backward, step.
A forward is model(x) under torch.inference_mode() in eval mode. The same batch is used every
step, as in driver.c. --threads 0 keeps PyTorch's default thread count.
"""
import argparse
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("torch_bench.py: cannot import torch with %s; install Debian's python3-torch "
             "(apt-get install python3-torch) and run with /usr/bin/python3" % sys.executable)


def mlp():  # examples/mlp.lua
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                        nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    x = torch.rand(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    return net, x, y, nn.CrossEntropyLoss(), dict(lr=0.05, momentum=0.9)


def mlp_b1():  # bench/models/mlp_b1.lua: examples/mlp.lua at batch 1
    net, _, _, loss, opt = mlp()
    return net, torch.rand(1, 1, 28, 28), torch.randint(0, 10, (1,)), loss, opt


def mlp_small():  # bench/models/mlp_small.lua
    net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    x = torch.rand(32, 64)
    y = torch.randint(0, 10, (32,))
    return net, x, y, nn.CrossEntropyLoss(), dict(lr=0.05, momentum=0.9)


def xor():  # examples/xor.lua
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    x = torch.rand(4, 2)
    y = torch.randint(0, 2, (4, 1)).float()
    return net, x, y, nn.MSELoss(), dict(lr=0.5, momentum=0.9)


def lenet():  # examples/lenet.lua
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                        nn.Linear(84, 10))
    x = torch.rand(32, 1, 28, 28)
    y = torch.randint(0, 10, (32,))
    return net, x, y, nn.CrossEntropyLoss(), dict(adam=True, lr=1e-3)


def fashion_cnn():  # examples/fashion_cnn.lua
    net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Dropout(0.25), nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(128, 10))
    x = torch.rand(32, 1, 28, 28)
    y = torch.randint(0, 10, (32,))
    return net, x, y, nn.CrossEntropyLoss(), dict(adam=True, lr=1e-3)


class LstmNet(nn.Module):  # examples/lstm.lua: the last step's hidden state classifies
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


def lstm():  # examples/lstm.lua
    x = torch.rand(64, 28, 28)
    y = torch.randint(0, 10, (64,))
    return LstmNet(), x, y, nn.CrossEntropyLoss(), dict(adam=True, lr=2e-3)


class EncoderBlock(nn.Module):  # examples/transformer.lua's encoder_block: pre-norm attention and MLP
    def __init__(self, e, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(e)
        self.attn = nn.MultiheadAttention(e, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(e)
        self.mlp = nn.Sequential(nn.Linear(e, 2 * e), nn.GELU(), nn.Linear(2 * e, e))

    def forward(self, t):
        u = self.ln1(t)
        t = t + self.attn(u, u, u, need_weights=False)[0]
        return t + self.mlp(self.ln2(t))


class TransformerNet(nn.Module):  # examples/transformer.lua: 16 patches of 7x7, 2 blocks, mean, head
    def __init__(self, e=64, heads=4, blocks=2):
        super().__init__()
        self.patch = nn.Conv2d(1, e, 7, stride=7)
        self.pos = nn.Parameter(torch.randn(16, e) * 0.02)
        self.blocks = nn.Sequential(*[EncoderBlock(e, heads) for _ in range(blocks)])
        self.norm = nn.LayerNorm(e)
        self.head = nn.Linear(e, 10)

    def forward(self, x):
        t = self.patch(x).flatten(2).transpose(1, 2) + self.pos
        return self.head(self.norm(self.blocks(t).mean(1)))


def transformer():  # examples/transformer.lua
    x = torch.rand(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    return TransformerNet(), x, y, nn.CrossEntropyLoss(), dict(adamw=True, lr=1e-3)


class Residual(nn.Module):  # dlc's nn.Residual: the body's output plus its input
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


def basic_block(c):  # examples/resnet.lua's block: He et al.'s basic block, the identity shortcut
    return Residual(nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
                                  nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)))


def resnet():  # examples/resnet.lua (without its augmentation and learning-rate schedule)
    net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                        basic_block(32), nn.ReLU(),
                        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                        basic_block(64), nn.ReLU(), basic_block(64), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    x = torch.rand(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    return net, x, y, nn.CrossEntropyLoss(), dict(adamw=True, lr=2e-3, weight_decay=1e-4)


MODELS = {"mlp": mlp, "mlp_b1": mlp_b1, "mlp_small": mlp_small, "xor": xor, "lenet": lenet, "fashion_cnn": fashion_cnn,
          "lstm": lstm, "transformer": transformer, "resnet": resnet}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=sorted(MODELS))
    ap.add_argument("mode", choices=["train", "forward"])
    ap.add_argument("--threads", type=int, default=1, help="0: PyTorch's default")
    ap.add_argument("--seconds", type=float, default=2.5, help="length of one repeat")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--iters", type=int, help="run exactly this many steps (instruction counts)")
    ap.add_argument("--callgrind", metavar="LIB", help="callgrind_ctl.so: instrument only the steps")
    args = ap.parse_args()

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net, x, y, loss_fn, sgd = MODELS[args.model]()
    if sgd.pop("adamw", False):
        opt = torch.optim.AdamW(net.parameters(), **sgd)
    elif sgd.pop("adam", False):
        opt = torch.optim.Adam(net.parameters(), **sgd)
    else:
        opt = torch.optim.SGD(net.parameters(), **sgd)
    last_loss = [0.0]

    if args.mode == "train":
        net.train()

        def run(n):
            for _ in range(n):
                opt.zero_grad()
                loss = loss_fn(net(x), y)
                loss.backward()
                opt.step()
            last_loss[0] = loss.item()
    else:
        net.eval()

        def run(n):
            with torch.inference_mode():
                for _ in range(n):
                    out = net(x)
            last_loss[0] = 0.0
            return out

    if args.iters is not None:  # fixed count, for callgrind
        run(3)
        ctl = None
        if args.callgrind:
            import ctypes
            ctl = ctypes.CDLL(args.callgrind)
            ctl.cg_start()
        run(args.iters)
        if ctl:
            ctl.cg_stop()
        print("RESULT %s 0 0 0 %d %g" % (args.mode, args.iters, last_loss[0]))
        return

    # Warm up for ~0.5 s and estimate the rate from it, as driver.c does.
    n, done = 1, 0
    t0 = t = time.perf_counter()
    while t - t0 < 0.5:
        run(n)
        done += n
        n *= 2
        t = time.perf_counter()
    iters = max(1, int(args.seconds * done / (t - t0)))

    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        run(iters)
        rates.append(iters / (time.perf_counter() - start))
    rates.sort()
    print("RESULT %s %.6g %.6g %.6g %d %g" % (args.mode, rates[len(rates) // 2], rates[0],
                                              rates[-1], iters, last_loss[0]))


if __name__ == "__main__":
    main()
