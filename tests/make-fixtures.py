#!/usr/bin/python3
"""Write the reference data that the C tests compare against.

Usage:  /usr/bin/python3 tests/make-fixtures.py OUTDIR [FAMILY ...]

`make fixtures` runs it as `tests/make-fixtures.py tests/fixtures`.  It needs
PyTorch and NumPy (Debian: python3-torch, python3-numpy); the tests do not,
they only read the files written here.

The data come in families, one directory each under OUTDIR:

  forward/    y = conv2d(x, w, b): torch.nn.functional.conv2d, with the
              padding of torch.nn.Conv2d (zeros, reflect, replicate,
              circular; per side, 'same' or 'valid').
  backward/   the gradients dX, dW, db of the same convolutions for a
              given dY, by PyTorch's autograd.
  transpose/  y = conv_transpose2d(x, w, b): the transposed convolution.
  relu/       y = relu(x) and its gradient, exactly.
  maxpool/    y = max_pool2d(x) with its indices, and its gradient; and
              sizes.txt, PyTorch's output length for every small axis.

Each family is written by one function (`forward_family`, ...), registered
in FAMILIES at the end; a new family is a new function there.  Naming
families on the command line rewrites only those; by default all are
written.  A family's directory is deleted and written afresh, so a case
removed here does not linger.

Every family has a `cases.txt` (a commented header, then one case a line,
whitespace-separated columns) and a directory per case holding .npy files
(format 1.0, little-endian, C order):

  * the operands, float32, drawn uniformly from [-1, 1) by NumPy's
    RandomState seeded from SEED and the case's name, so that the files
    are the same on every run and a case does not change when another is
    added;
  * the reference results, float64, computed by PyTorch in float64 from
    the exact float32 operands;
  * "abs" companions, float64: the same computation with every operand
    replaced by its absolute value.  Each result element is a sum of
    products; its abs companion is the sum of the absolute values of
    those products.  A float32 implementation that sums the same n terms
    errs by at most about n * 2**-24 times it, whatever the order of the
    sum, so the C tests use it to bound their tolerance.

Every reference is computed again by independent routes, and the script
stops unless they agree to AGREE = 1e-12 (relative to the largest abs
bound of the array):

  * by PyTorch's own modules (nn.Conv2d with padding=... and
    padding_mode=..., F.conv2d(padding='same'/'valid'),
    nn.ConvTranspose2d), wherever they can express the case: this proves
    that the padding rules written out here are PyTorch's;
  * always, by a plain NumPy implementation written from the definitions
    (np.pad and a sum over kernel offsets; the products sent back to the
    samples and weights they came from, for gradients; the scatter form
    of the transposed convolution);
  * by identities between the families: with zero padding, dX of a
    convolution is a transposed convolution of dY; a transposed
    convolution is the gradient of a convolution with respect to its
    input.
"""

import os
import re
import shutil
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# Base seed of every random stream (see `rng`).
SEED = 20240229

# The agreement demanded between independent routes to the same float64
# result, relative to the largest abs bound of the array (at least 1).
AGREE = 1e-12

# PyTorch warns that 'same' with an even kernel and odd dilation pads a
# copy of the input; that is expected here.
warnings.filterwarnings("ignore", message="Using padding='same'")

# One thread: float64 sums then run in the same order on every run.
torch.set_num_threads(1)

MODES = ("zeros", "reflect", "replicate", "circular")

# NumPy's names for the padding modes, for the independent reference.
NUMPY_PAD_MODE = {"zeros": "constant", "reflect": "reflect",
                  "replicate": "edge", "circular": "wrap"}

# F.pad's names for them ('zeros' is F.pad's 'constant' with value 0).
TORCH_PAD_MODE = {"zeros": "constant", "reflect": "reflect",
                  "replicate": "replicate", "circular": "circular"}


# ------------------------------------------------------------------ helpers

def pair(v):
    """An int or a pair, as a pair (h, w), the way PyTorch reads them."""
    return (v, v) if isinstance(v, int) else tuple(v)


def rng(key):
    """A random stream determined by SEED and the string `key`."""
    return np.random.RandomState([SEED, zlib.crc32(key.encode("ascii"))])


def draw(stream, shape):
    """float32 values uniform in [-1, 1)."""
    return stream.uniform(-1.0, 1.0, size=shape).astype(np.float32)


def save(directory, name, array, dtype):
    """Write one .npy file: format 1.0, little-endian, C order.  This is
    what numpy.save does; the version is given explicitly so that it
    cannot change."""
    array = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    with open(os.path.join(directory, name + ".npy"), "wb") as f:
        np.lib.format.write_array(f, array, version=(1, 0), allow_pickle=False)


def agree(what, got, ref, bound):
    """Stop unless `got` equals `ref` to AGREE relative to `bound`."""
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    if got.shape != ref.shape:
        sys.exit(f"make-fixtures: {what}: shape {got.shape} != {ref.shape}")
    if ref.size == 0:
        return
    scale = max(1.0, float(np.max(np.abs(bound))))
    diff = float(np.max(np.abs(got - ref)))
    if not diff <= AGREE * scale:
        sys.exit(f"make-fixtures: {what}: differs by {diff:.3g} (allowed "
                 f"{AGREE * scale:.3g})")


def t64(array):
    """A NumPy array as a float64 tensor (exact for float32 values)."""
    return torch.from_numpy(np.asarray(array, np.float64))


def write_cases(path, header, columns, rows):
    """cases.txt: '#' lines, then the columns, one case a line."""
    with open(path, "w") as f:
        for line in header.strip("\n").split("\n"):
            f.write(("# " + line).rstrip() + "\n")
        f.write("#\n# " + " ".join(columns) + "\n")
        for row in rows:
            f.write(" ".join(str(v) for v in row) + "\n")


def fresh_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def check_names(cases):
    names = [c.name for c in cases]
    for n in names:
        if not re.fullmatch(r"[a-z0-9-]+", n):
            sys.exit(f"make-fixtures: bad case name {n!r}")
    if len(set(names)) != len(names):
        sys.exit("make-fixtures: duplicate case names")


# ------------------------------------------------------ convolution cases

class Conv:
    """One convolution: shapes and options, as torch.nn.Conv2d has them.

    input      (N, C_in, H, W)
    c_out      output channels; weight (C_out, C_in/groups, kH, kW)
    kernel     (kH, kW) or k
    stride, dilation   pairs or ints
    padding    'same', 'valid', an int or (ph, pw) (symmetric: ph on top
               and bottom, pw left and right, as nn.Conv2d), or
               (top, bottom, left, right) for asymmetric padding, which
               nn.Conv2d cannot express (F.pad can)
    mode       padding mode: zeros, reflect, replicate, circular
    bias       whether there is a bias
    """

    def __init__(self, name, input, c_out, kernel, stride=1, padding=0,
                 dilation=1, groups=1, mode="zeros", bias=True):
        self.name = name
        self.input = tuple(input)
        self.c_out = c_out
        self.kernel = pair(kernel)
        self.stride = pair(stride)
        self.dilation = pair(dilation)
        self.groups = groups
        self.mode = mode
        self.bias = bias
        assert mode in MODES
        if isinstance(padding, str):
            assert padding in ("same", "valid")
            self.rule = padding
        else:
            self.rule = "explicit"
            if isinstance(padding, int) or len(padding) == 2:
                ph, pw = pair(padding)
                self.pads = (ph, ph, pw, pw)
            else:
                self.pads = tuple(padding)
        n, c_in, h, w = self.input
        assert c_in % groups == 0 and c_out % groups == 0
        self.weight = (c_out, c_in // groups) + self.kernel

    def resolved_pads(self):
        """(top, bottom, left, right) after applying the rule.  'same'
        pads d(k-1) in all on each axis, floor(half) before and the rest
        after: the extra sample of an odd total goes to the bottom and the
        right, as PyTorch does."""
        if self.rule == "explicit":
            return self.pads
        if self.rule == "valid":
            return (0, 0, 0, 0)
        assert self.stride == (1, 1), "PyTorch allows 'same' only with stride 1"
        (kh, kw), (dh, dw) = self.kernel, self.dilation
        th, tw = dh * (kh - 1), dw * (kw - 1)
        return (th // 2, th - th // 2, tw // 2, tw - tw // 2)

    def symmetric(self):
        t, b, l, r = self.resolved_pads()
        return t == b and l == r

    def row(self):
        """The columns of cases.txt (forward and backward)."""
        pads = self.pads if self.rule == "explicit" else (0, 0, 0, 0)
        return ((self.name,) + self.stride + (self.rule,) + pads
                + self.dilation + (self.groups, self.mode, int(self.bias)))

    def operands(self):
        """x, w, b (b None without bias) as float32; then the stream, for
        anything drawn after them.  The stream depends only on the name,
        so forward and backward cases of one name share their operands."""
        s = rng(self.name)
        x = draw(s, self.input)
        w = draw(s, self.weight)
        b = draw(s, (self.c_out,)) if self.bias else None
        return x, w, b, s


CONV_COLUMNS = ("name stride_h stride_w rule pad_top pad_bottom pad_left "
                "pad_right dilation_h dilation_w groups mode has_bias").split()

CONV_HEADER = """\
Columns (whitespace-separated, one case a line):
  name                   the directory holding the case's .npy files
  stride_h stride_w      stride, >= 1
  rule                   explicit | same | valid
  pad_top pad_bottom pad_left pad_right
                         padding per side for 'explicit'; 0 for 'same' and
                         'valid', whose padding the library resolves itself
                         ('same': d(k-1) per axis, floor(half) before, the
                         rest after)
  dilation_h dilation_w  dilation, 1 = dense
  groups                 C_in and C_out are multiples of it
  mode                   padding mode: zeros | reflect | replicate | circular
  has_bias               1 if the case has bias.npy, else 0
Shapes are those of the .npy files: input (N, C_in, H, W),
weight (C_out, C_in/groups, kH, kW), bias (C_out)."""


def conv_reference(x, w, b, case):
    """The convolution as torch.nn.Conv2d computes it, written out: pad
    with F.pad in the case's mode, then F.conv2d with no padding.
    x, w, b are float64 tensors (b may be None)."""
    t, btm, l, r = case.resolved_pads()
    xp = F.pad(x, (l, r, t, btm), mode=TORCH_PAD_MODE[case.mode])
    return F.conv2d(xp, w, b, stride=case.stride, padding=0,
                    dilation=case.dilation, groups=case.groups)


def conv_module(w, b, case):
    """The case as a torch.nn.Conv2d (float64) holding weight w and bias b,
    or None when nn.Conv2d cannot express it (asymmetric explicit
    padding)."""
    if case.rule == "explicit" and not case.symmetric():
        return None
    padding = case.rule if case.rule != "explicit" else (case.pads[0], case.pads[2])
    _, c_in, _, _ = case.input
    m = nn.Conv2d(c_in, case.c_out, case.kernel, stride=case.stride,
                  padding=padding, dilation=case.dilation, groups=case.groups,
                  bias=b is not None, padding_mode=case.mode).double()
    with torch.no_grad():
        m.weight.copy_(w)
        if b is not None:
            m.bias.copy_(b)
    return m


def conv_by_module(x, w, b, case):
    """The same by PyTorch's own module, or None."""
    m = conv_module(w, b, case)
    return m(x) if m is not None else None


def conv_by_functional(x, w, b, case):
    """F.conv2d's own padding (zero padding only, symmetric or a rule), or
    None."""
    if case.mode != "zeros" or not case.symmetric():
        return None
    padding = case.rule if case.rule != "explicit" else (case.pads[0], case.pads[2])
    return F.conv2d(x, w, b, stride=case.stride, padding=padding,
                    dilation=case.dilation, groups=case.groups)


def conv_by_numpy(x, w, b, case):
    """The definition, in NumPy, independent of PyTorch:
    y[n,o,i,j] = b[o] + sum over c, p, q of
                 w[o,c,p,q] * xpad[n, g*C_in/G + c, i*sh + p*dh, j*sw + q*dw]
    where g is the group of output channel o."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    t, btm, l, r = case.resolved_pads()
    xp = np.pad(x, ((0, 0), (0, 0), (t, btm), (l, r)),
                mode=NUMPY_PAD_MODE[case.mode])
    n, _, hp, wp = xp.shape
    c_out, cg, kh, kw = w.shape
    (sh, sw), (dh, dw), g = case.stride, case.dilation, case.groups
    ho = (hp - dh * (kh - 1) - 1) // sh + 1
    wo = (wp - dw * (kw - 1) - 1) // sw + 1
    og = c_out // g
    y = np.zeros((n, c_out, ho, wo))
    for gi in range(g):
        for p in range(kh):
            for q in range(kw):
                window = xp[:, gi * cg:(gi + 1) * cg,
                            p * dh:p * dh + sh * (ho - 1) + 1:sh,
                            q * dw:q * dw + sw * (wo - 1) + 1:sw]
                y[:, gi * og:(gi + 1) * og] += np.einsum(
                    "nchw,oc->nohw", window, w[gi * og:(gi + 1) * og, :, p, q])
    if b is not None:
        y += np.asarray(b, np.float64)[None, :, None, None]
    return y


def conv_gradients_by_numpy(x, w, dy, case):
    """dX, dW, db from the definition, in NumPy.  Each product
    w[o,c,p,q] * xpad[...] of the forward sum sends dy * w to the padded
    sample it read (dXpad) and dy * xpad to the weight (dW).  The padded
    sample is a copy of an input sample, or zero: padding an array of
    indices in the case's mode tells which (-1 for zero padding), and dX
    gathers the gradients of all the copies of each sample."""
    x, w, dy = (np.asarray(a, np.float64) for a in (x, w, dy))
    t, btm, l, r = case.resolved_pads()
    mode = NUMPY_PAD_MODE[case.mode]
    xp = np.pad(x, ((0, 0), (0, 0), (t, btm), (l, r)), mode=mode)
    n, c_in, h, wd = x.shape
    c_out, cg, kh, kw = w.shape
    (sh, sw), (dh, dw), g = case.stride, case.dilation, case.groups
    ho, wo = dy.shape[2:]
    og = c_out // g
    gxp = np.zeros(xp.shape)
    gw = np.zeros(w.shape)
    for gi in range(g):
        cs, os_ = slice(gi * cg, (gi + 1) * cg), slice(gi * og, (gi + 1) * og)
        for p in range(kh):
            for q in range(kw):
                rows = slice(p * dh, p * dh + sh * (ho - 1) + 1, sh)
                cols = slice(q * dw, q * dw + sw * (wo - 1) + 1, sw)
                gxp[:, cs, rows, cols] += np.einsum(
                    "nohw,oc->nchw", dy[:, os_], w[os_, :, p, q])
                gw[os_, :, p, q] = np.einsum(
                    "nohw,nchw->oc", dy[:, os_], xp[:, cs, rows, cols])
    index = np.arange(h * wd).reshape(h, wd)
    if case.mode == "zeros":
        source = np.pad(index, ((t, btm), (l, r)), constant_values=-1)
    else:
        source = np.pad(index, ((t, btm), (l, r)), mode=mode)
    gx = np.zeros((n, c_in, h * wd))
    keep = source >= 0
    np.add.at(gx, (slice(None), slice(None), source[keep]), gxp[:, :, keep])
    return gx.reshape(x.shape), gw, dy.sum(axis=(0, 2, 3))


# The forward and backward cases.  "pt-" cases reproduce the Conv2d
# configurations of PyTorch's own test suite (module_tests and the padding
# mode tests in torch/testing/_internal/common_nn.py, and ModuleInfo's
# module_inputs_torch_nn_ConvNd in common_modules.py, PyTorch 1.13).
CONV_CASES = [
    # --- PyTorch's module tests: Conv2d(C_in, C_out, kernel, ...) on input
    Conv("pt-basic", (2, 3, 7, 5), 4, (3, 2)),
    Conv("pt-strided", (2, 3, 6, 6), 4, 3, stride=2),
    Conv("pt-padding", (2, 3, 6, 6), 4, 3, stride=2, padding=1),
    Conv("pt-dilated", (2, 3, 8, 8), 2, 3, stride=2, padding=1, dilation=2),
    Conv("pt-no-bias", (2, 3, 6, 5), 4, (3, 2), bias=False),
    Conv("pt-zero-batch", (0, 3, 7, 5), 4, (3, 2)),
    Conv("pt-groups", (2, 4, 6, 5), 6, (3, 2), groups=2),
    Conv("pt-pad-valid", (2, 2, 6, 5), 4, (3, 4), padding="valid"),
    Conv("pt-pad-same", (2, 2, 6, 5), 4, (3, 4), padding="same"),
    Conv("pt-pad-same-dilated", (2, 2, 6, 5), 4, (3, 4), padding="same",
         dilation=2),
    Conv("pt-depthwise", (2, 4, 6, 6), 4, 3, groups=4),
    Conv("pt-depthwise-with-multiplier", (2, 4, 6, 6), 8, 3, groups=4),
    Conv("pt-depthwise-strided", (2, 4, 6, 6), 4, 3, stride=2, groups=4),
    Conv("pt-depthwise-padded", (2, 4, 6, 6), 4, 3, padding=1, groups=4),
    Conv("pt-depthwise-dilated", (2, 4, 5, 5), 4, 2, dilation=2, groups=4),
    # the padding mode tests: Conv2d(2, 3, 3, stride 2, padding (1, 2), mode)
] + [
    Conv(f"pt-{mode}-stride2-pad2", (2, 2, 4, 4), 3, 3, stride=2,
         padding=(1, 2), mode=mode)
    for mode in MODES
] + [
    # ModuleInfo: Conv2d(4, 5, 3) on (2, 4, 3, 4), without and with 'same'
    Conv("pt-modinfo", (2, 4, 3, 4), 5, 3),
    Conv("pt-modinfo-same", (2, 4, 3, 4), 5, 3, padding="same"),
]

for mode in ("reflect", "replicate", "circular"):
    CONV_CASES += [
        # symmetric, asymmetric, 'same' with odd and with even kernels
        Conv(f"{mode}-sym", (1, 2, 5, 6), 3, 3, padding=(1, 2), mode=mode),
        Conv(f"{mode}-asym", (1, 2, 5, 6), 3, (2, 3), padding=(2, 0, 1, 3),
             mode=mode),
        Conv(f"{mode}-same-odd", (1, 2, 5, 7), 3, (3, 5), padding="same",
             mode=mode),
        # totals (1, 3): 0 above, 1 below, 1 left, 2 right
        Conv(f"{mode}-same-even", (1, 2, 5, 6), 3, (2, 4), padding="same",
             mode=mode),
        # stride, asymmetric padding, dilation and groups together
        Conv(f"{mode}-all", (2, 4, 6, 7), 4, (3, 2), stride=(2, 3),
             padding=(2, 1, 3, 0), dilation=(1, 2), groups=2, mode=mode),
    ]

CONV_CASES += [
    # padding at PyTorch's limits: reflect pad = size - 1, circular pad =
    # size, replicate from a single row
    Conv("reflect-limit", (1, 2, 3, 4), 2, 3, padding=(2, 3), mode="reflect"),
    Conv("circular-limit", (1, 2, 3, 4), 2, 3, padding=(3, 4), mode="circular"),
    Conv("replicate-limit", (1, 2, 1, 3), 2, 3, padding=(2, 3),
         mode="replicate"),
    # zero padding: asymmetric, 'same' with even kernels (and odd totals
    # from an odd dilation), everything together
    Conv("zeros-asym", (1, 2, 5, 6), 3, (3, 2), padding=(0, 2, 1, 0)),
    Conv("zeros-same-even", (1, 3, 5, 5), 2, (4, 2), padding="same"),
    Conv("zeros-same-even-dil3", (1, 2, 6, 7), 2, (2, 4), padding="same",
         dilation=(3, 1)),
    Conv("zeros-all", (2, 6, 7, 8), 6, (3, 2), stride=(2, 3),
         padding=(1, 2, 0, 1), dilation=(2, 1), groups=3),
    Conv("valid-reflect", (1, 2, 5, 4), 3, (2, 3), padding="valid",
         mode="reflect"),
    # a kernel as large as the padded input: one output per channel
    Conv("kernel-full", (2, 3, 4, 5), 2, (5, 6), padding=(1, 0, 0, 1)),
    Conv("kernel-full-reflect", (1, 2, 3, 4), 2, (7, 10), padding=(2, 3),
         mode="reflect"),
    Conv("kernel-full-dilated", (1, 1, 5, 7), 2, (3, 4), dilation=2),
    # 1x1 kernels
    Conv("kernel-1x1", (2, 5, 4, 3), 3, 1),
    Conv("kernel-1x1-strided-padded", (1, 3, 5, 4), 2, 1, stride=2, padding=1),
    Conv("kernel-1x1-groups", (1, 6, 3, 4), 4, 1, groups=2),
    # strides that leave samples unused, strides larger than the kernel
    Conv("stride-remainder", (1, 2, 8, 7), 2, 3, stride=3),
    Conv("stride-gt-kernel", (1, 2, 7, 9), 2, 2, stride=(3, 4)),
    Conv("stride-asym-dilated", (1, 2, 8, 9), 2, (2, 3), stride=(1, 3),
         dilation=(3, 1)),
    # zero padding wider than the kernel: the border outputs are the bias
    Conv("pad-gt-kernel", (1, 1, 3, 3), 2, 2, padding=3),
    # many channels: 16 * 3 * 3 = 144 products per output, plus the bias
    Conv("many-channels", (1, 16, 5, 5), 2, 3),
    Conv("many-channels-grouped", (1, 16, 4, 4), 4, 3, padding=1, groups=2,
         mode="reflect"),
    # batches and the smallest cases
    Conv("batch-4", (4, 2, 4, 4), 2, 3, padding=1),
    Conv("unit", (1, 1, 5, 5), 1, 3, bias=False),
    Conv("single-pixel", (1, 1, 1, 1), 1, 1),
]


# ------------------------------------------------------------ forward family

def forward_family(out):
    """tests/fixtures/forward: input, weight, bias?, output, abs."""
    check_names(CONV_CASES)
    for case in CONV_CASES:
        x, w, b, _ = case.operands()
        X, W = t64(x), t64(w)
        B = t64(b) if b is not None else None
        y = conv_reference(X, W, B, case).numpy()
        bound = conv_reference(X.abs(), W.abs(),
                               B.abs() if B is not None else None,
                               case).numpy()
        what = f"forward/{case.name}"
        agree(what + " numpy", conv_by_numpy(x, w, b, case), y, bound)
        for route, f in (("nn.Conv2d", conv_by_module),
                         ("F.conv2d", conv_by_functional)):
            other = f(X, W, B, case)
            if other is not None:
                agree(f"{what} {route}", other.detach().numpy(), y, bound)

        d = os.path.join(out, case.name)
        os.makedirs(d)
        save(d, "input", x, np.float32)
        save(d, "weight", w, np.float32)
        if b is not None:
            save(d, "bias", b, np.float32)
        save(d, "output", y, np.float64)
        save(d, "abs", bound, np.float64)

    write_cases(os.path.join(out, "cases.txt"), """\
Forward convolutions: output = conv2d(input, weight, bias), as
torch.nn.Conv2d computes it (the input padded by F.pad in the given mode,
then F.conv2d with no padding), in float64 from the float32 operands.
Files in NAME/: input.npy weight.npy [bias.npy] (float32),
output.npy abs.npy (float64).  abs.npy is the same convolution of
|input| and |weight|, plus |bias|: per output element, the sum of the
absolute values of its terms.
Written by tests/make-fixtures.py (make fixtures); do not edit.

""" + CONV_HEADER, CONV_COLUMNS, [c.row() for c in CONV_CASES])
    return len(CONV_CASES)


# ----------------------------------------------------------- backward family

def conv_gradients(x, w, b, dy, case):
    """dX, dW, db (db None without bias) of conv_reference at x, w, b for
    the output gradient dy, by autograd in float64.  dX is the gradient
    with respect to the unpadded input: where reflect, replicate or
    circular padding copies a sample, the gradients of its copies add
    up."""
    x = x.clone().requires_grad_()
    w = w.clone().requires_grad_()
    b = b.clone().requires_grad_() if b is not None else None
    conv_reference(x, w, b, case).backward(dy)
    return (x.grad.numpy(), w.grad.numpy(),
            b.grad.numpy() if b is not None else None)


def backward_checks(x, w, b, dy, case, grads, bounds):
    """Independent routes to the same gradients."""
    gx, gw, gb = grads
    bx, bw, bb = bounds
    what = f"backward/{case.name}"
    # (1) The definition, in NumPy.
    nx, nw, nb = conv_gradients_by_numpy(x, w, dy, case)
    agree(what + " numpy dX", nx, gx, bx)
    agree(what + " numpy dW", nw, gw, bw)
    if b is not None:
        agree(what + " numpy db", nb, gb, bb)
    # (2) nn.Conv2d's own padding, where it can express the case.
    m = conv_module(w, b, case)
    if m is not None:
        xm = x.clone().requires_grad_()
        m(xm).backward(dy)
        agree(what + " nn.Conv2d dX", xm.grad.numpy(), gx, bx)
        agree(what + " nn.Conv2d dW", m.weight.grad.numpy(), gw, bw)
        if b is not None:
            agree(what + " nn.Conv2d db", m.bias.grad.numpy(), gb, bb)
    # (3) With zero padding, dX is the transposed convolution of dY with
    # the same weight, and dW is torch.nn.grad.conv2d_weight; the output
    # padding restores the rows and columns the stride left unused.
    if case.mode == "zeros" and case.symmetric():
        t, _, l, _ = case.resolved_pads()
        _, _, h, wd = case.input
        (kh, kw), (sh, sw), (dh, dw) = case.kernel, case.stride, case.dilation
        ho, wo = dy.shape[2], dy.shape[3]
        oph = h - ((ho - 1) * sh - 2 * t + dh * (kh - 1) + 1)
        opw = wd - ((wo - 1) * sw - 2 * l + dw * (kw - 1) + 1)
        gx2 = F.conv_transpose2d(dy, w, None, stride=case.stride,
                                 padding=(t, l), output_padding=(oph, opw),
                                 groups=case.groups, dilation=case.dilation)
        agree(what + " conv_transpose2d dX", gx2.numpy(), gx, bx)
        gw2 = torch.nn.grad.conv2d_weight(x, w.shape, dy, stride=case.stride,
                                          padding=(t, l),
                                          dilation=case.dilation,
                                          groups=case.groups)
        agree(what + " conv2d_weight dW", gw2.numpy(), gw, bw)


def backward_family(out):
    """tests/fixtures/backward: input, weight, bias?, grad_output (float32);
    grad_input, grad_weight, grad_bias? and their abs bounds (float64)."""
    check_names(CONV_CASES)
    for case in CONV_CASES:
        x, w, b, stream = case.operands()   # the forward case's operands
        X, W = t64(x), t64(w)
        B = t64(b) if b is not None else None
        with torch.no_grad():
            out_shape = tuple(conv_reference(X, W, B, case).shape)
        dy = draw(stream, out_shape)
        DY = t64(dy)
        grads = conv_gradients(X, W, B, DY, case)
        # The gradients are sums of products too: dX of dY*W terms, dW of
        # dY*X terms, db of dY terms.  With every operand replaced by its
        # absolute value the same computation sums their absolute values.
        bounds = conv_gradients(X.abs(), W.abs(),
                                B.abs() if B is not None else None,
                                DY.abs(), case)
        backward_checks(X, W, B, DY, case, grads, bounds)

        d = os.path.join(out, case.name)
        os.makedirs(d)
        save(d, "input", x, np.float32)
        save(d, "weight", w, np.float32)
        if b is not None:
            save(d, "bias", b, np.float32)
        save(d, "grad_output", dy, np.float32)
        names = ("grad_input", "grad_weight", "grad_bias")
        for name, g, a in zip(names, grads, bounds):
            if g is not None:
                save(d, name, g, np.float64)
                save(d, name + "_abs", a, np.float64)

    write_cases(os.path.join(out, "cases.txt"), """\
Gradients of the forward convolutions (the same cases, the same input,
weight and bias as forward/NAME) for a random output gradient
grad_output, by PyTorch's autograd in float64:
  grad_input  = dL/dinput  (the gradient reaching the unpadded input: the
                gradients of the copies made by reflect, replicate or
                circular padding add up)
  grad_weight = dL/dweight,  grad_bias = dL/dbias
where L = sum(output * grad_output).
Files in NAME/: input.npy weight.npy [bias.npy] grad_output.npy (float32);
grad_input.npy grad_weight.npy [grad_bias.npy] (float64) and, for each,
NAME_abs.npy (float64): the same gradient computed from |grad_output|,
|weight| and |input|, the sum of the absolute values of its terms.
Written by tests/make-fixtures.py (make fixtures); do not edit.

""" + CONV_HEADER, CONV_COLUMNS, [c.row() for c in CONV_CASES])
    return len(CONV_CASES)


# ---------------------------------------------------------- transpose family

class Transpose:
    """One transposed convolution, as torch.nn.ConvTranspose2d has it.

    input           (N, C_in, H, W)
    c_out           output channels; weight (C_in, C_out/groups, kH, kW)
    padding         (ph, pw): removes ph rows at top and at bottom, pw
                    columns at left and at right of the full result
    output_padding  (oph, opw): adds rows at the bottom and columns at the
                    right; PyTorch wants each < stride or < dilation
    Output size per axis: (H-1)*s - 2p + d(k-1) + op + 1.
    """

    def __init__(self, name, input, c_out, kernel, stride=1, padding=0,
                 output_padding=0, dilation=1, groups=1, bias=True):
        self.name = name
        self.input = tuple(input)
        self.c_out = c_out
        self.kernel = pair(kernel)
        self.stride = pair(stride)
        self.padding = pair(padding)
        self.output_padding = pair(output_padding)
        self.dilation = pair(dilation)
        self.groups = groups
        self.bias = bias
        n, c_in, h, w = self.input
        assert c_in % groups == 0 and c_out % groups == 0
        self.weight = (c_in, c_out // groups) + self.kernel

    def row(self):
        return ((self.name,) + self.stride + self.padding
                + self.output_padding + self.dilation
                + (self.groups, int(self.bias)))

    def operands(self):
        s = rng("transpose/" + self.name)
        x = draw(s, self.input)
        w = draw(s, self.weight)
        b = draw(s, (self.c_out,)) if self.bias else None
        return x, w, b

    def reference(self, x, w, b):
        return F.conv_transpose2d(x, w, b, stride=self.stride,
                                  padding=self.padding,
                                  output_padding=self.output_padding,
                                  groups=self.groups, dilation=self.dilation)


TRANSPOSE_COLUMNS = ("name stride_h stride_w pad_h pad_w output_padding_h "
                     "output_padding_w dilation_h dilation_w groups "
                     "has_bias").split()


def transpose_by_numpy(x, w, b, case):
    """The definition, in NumPy: every input sample scatters its products
    with the kernel into the full result,
      full[n, g*C_out/G + o, i*sh + p*dh, j*sw + q*dw] += x[n,c,i,j] * w[c,o,p,q]
    (c in group g); then ph rows and pw columns are cut from each side,
    after output padding has added rows and columns at the bottom and
    right."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    n, c_in, h, wd = x.shape
    _, og, kh, kw = w.shape
    (sh, sw), (ph, pw) = case.stride, case.padding
    (oph, opw), (dh, dw), g = case.output_padding, case.dilation, case.groups
    fh = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    fw = (wd - 1) * sw + dw * (kw - 1) + 1 + opw
    full = np.zeros((n, og * g, fh, fw))
    cg = c_in // g
    for gi in range(g):
        for p in range(kh):
            for q in range(kw):
                full[:, gi * og:(gi + 1) * og,
                     p * dh:p * dh + sh * (h - 1) + 1:sh,
                     q * dw:q * dw + sw * (wd - 1) + 1:sw] += np.einsum(
                         "nchw,co->nohw", x[:, gi * cg:(gi + 1) * cg],
                         w[gi * cg:(gi + 1) * cg, :, p, q])
    y = full[:, :, ph:fh - ph, pw:fw - pw]
    if b is not None:
        y = y + np.asarray(b, np.float64)[None, :, None, None]
    return y


def transpose_checks(X, W, B, case, y, bound):
    what = f"transpose/{case.name}"
    agree(what + " numpy", transpose_by_numpy(X.numpy(), W.numpy(),
                                              None if B is None else B.numpy(),
                                              case), y, bound)
    # nn.ConvTranspose2d
    _, c_in, _, _ = case.input
    m = nn.ConvTranspose2d(c_in, case.c_out, case.kernel, stride=case.stride,
                           padding=case.padding,
                           output_padding=case.output_padding,
                           groups=case.groups, bias=B is not None,
                           dilation=case.dilation).double()
    with torch.no_grad():
        m.weight.copy_(W)
        if B is not None:
            m.bias.copy_(B)
        agree(what + " nn.ConvTranspose2d", m(X).numpy(), y, bound)
    # The transposed convolution is the gradient of a convolution with
    # respect to its input: conv2d with the same weight, read as
    # (C_out = C_in of the transpose, C_in/groups = C_out/groups of the
    # transpose), maps a tensor of the output's shape to one of the
    # input's shape; its gradient there, for output gradient X, is y.
    # (When output padding is not below the stride, conv2d sees windows
    # beyond the input's shape, at the bottom or right: they are cut off.)
    z = torch.zeros(y.shape, dtype=torch.float64, requires_grad=True)
    _, _, h, wd = case.input
    F.conv2d(z, W, None, stride=case.stride, padding=case.padding,
             dilation=case.dilation,
             groups=case.groups)[:, :, :h, :wd].backward(X)
    g = z.grad.numpy()
    if B is not None:
        g = g + B.numpy()[None, :, None, None]
    agree(what + " autograd of conv2d", g, y, bound)


# The transposed cases.  "pt-" cases reproduce the ConvTranspose2d
# configurations of PyTorch's module_tests (common_nn.py, PyTorch 1.13).
TRANSPOSE_CASES = [
    # ConvTranspose2d(C_in, C_out, kernel, stride, padding, output_padding,
    #                 groups, bias, dilation) on input
    Transpose("pt-basic", (1, 3, 7, 6), 4, 3, stride=(3, 2), padding=1,
              output_padding=1),
    Transpose("pt-dilated", (1, 3, 6, 7), 4, 3, stride=(2, 3), padding=1,
              output_padding=1, dilation=2, bias=False),
    Transpose("pt-no-bias", (1, 3, 6, 7), 4, 3, stride=(2, 3), padding=1,
              output_padding=1, bias=False),
    Transpose("pt-groups", (1, 2, 4, 5), 4, (2, 3), groups=2),
    # the smallest, then stride, padding and output padding one at a time
    Transpose("unit", (1, 1, 4, 4), 1, 3, bias=False),
    Transpose("stride2", (1, 2, 3, 4), 3, 3, stride=2),
    Transpose("stride2-pad1-op1", (1, 2, 4, 3), 3, 3, stride=2, padding=1,
              output_padding=1),
    Transpose("op-asym", (1, 2, 3, 4), 2, (3, 2), stride=(3, 2),
              output_padding=(2, 0)),
    # output padding below the dilation, with stride 1
    Transpose("op-lt-dilation", (1, 2, 3, 3), 2, 3, dilation=(2, 3),
              output_padding=(1, 2)),
    # padding that cuts into the scattered products, down to a 1x1 output
    Transpose("pad-gt-kernel", (1, 2, 5, 5), 2, 2, stride=2, padding=2),
    Transpose("out-1x1", (1, 2, 1, 1), 3, 3, padding=1),
    # 1x1 kernels with stride: the gaps hold the bias alone
    Transpose("kernel-1x1-stride2", (1, 3, 3, 4), 2, 1, stride=2),
    Transpose("kernel-1x1-stride2-op1", (1, 3, 3, 4), 2, 1, stride=2,
              output_padding=1),
    Transpose("stride-gt-kernel", (1, 2, 3, 3), 2, 2, stride=3),
    Transpose("nonsquare-dilated", (1, 2, 3, 2), 3, (2, 5), dilation=(1, 2)),
    # groups
    Transpose("depthwise", (2, 4, 3, 3), 4, 3, groups=4, padding=1),
    Transpose("depthwise-with-multiplier", (1, 4, 3, 3), 8, 3, groups=4,
              stride=2),
    Transpose("all", (2, 6, 3, 3), 6, (3, 2), stride=(2, 3), padding=(1, 2),
              output_padding=(1, 0), dilation=(2, 1), groups=3),
    # many channels: up to 16 * 3 * 3 = 144 products per output
    Transpose("many-channels", (1, 16, 3, 3), 2, 3),
    Transpose("batch-3", (3, 2, 3, 3), 2, 2, stride=2, padding=1,
              output_padding=1),
    Transpose("zero-batch", (0, 3, 4, 5), 2, 3, stride=2),
]


def transpose_family(out):
    """tests/fixtures/transpose: input, weight, bias?, output, abs."""
    check_names(TRANSPOSE_CASES)
    for case in TRANSPOSE_CASES:
        x, w, b = case.operands()
        X, W = t64(x), t64(w)
        B = t64(b) if b is not None else None
        y = case.reference(X, W, B).numpy()
        bound = case.reference(X.abs(), W.abs(),
                               B.abs() if B is not None else None).numpy()
        transpose_checks(X, W, B, case, y, bound)

        d = os.path.join(out, case.name)
        os.makedirs(d)
        save(d, "input", x, np.float32)
        save(d, "weight", w, np.float32)
        if b is not None:
            save(d, "bias", b, np.float32)
        save(d, "output", y, np.float64)
        save(d, "abs", bound, np.float64)

    write_cases(os.path.join(out, "cases.txt"), """\
Transposed convolutions: output = conv_transpose2d(input, weight, bias),
as torch.nn.functional.conv_transpose2d computes it, in float64 from the
float32 operands.
Files in NAME/: input.npy weight.npy [bias.npy] (float32),
output.npy abs.npy (float64; abs is the same computation on |input|,
|weight|, |bias|).

Columns (whitespace-separated, one case a line):
  name                                 the directory of the case
  stride_h stride_w                    stride, >= 1
  pad_h pad_w                          rows (columns) removed at each side
  output_padding_h output_padding_w    rows (columns) added at the bottom
                                       (right); each < stride or < dilation
  dilation_h dilation_w                dilation, 1 = dense
  groups                               C_in and C_out are multiples of it
  has_bias                             1 if the case has bias.npy, else 0
Shapes are those of the .npy files: input (N, C_in, H, W),
weight (C_in, C_out/groups, kH, kW), bias (C_out); the output is
(N, C_out, (H-1)*stride - 2*pad + dilation*(kH-1) + output_padding + 1, ...).
Written by tests/make-fixtures.py (make fixtures); do not edit.""",
                TRANSPOSE_COLUMNS, [c.row() for c in TRANSPOSE_CASES])
    return len(TRANSPOSE_CASES)


# --------------------------------------------------------------- relu family

class Relu:
    """One ReLU case: a name, the input's shape and how its values are
    drawn:
      uniform   uniform in [-1, 1), then a few samples set to +0 and -0
      special   the values where a rule has to be chosen, in order: +-0,
                +-inf, NaN, the smallest subnormals; then uniform values
    """

    def __init__(self, name, shape, values):
        self.name, self.shape, self.values = name, tuple(shape), values
        assert values in ("uniform", "special")


RELU_CASES = [
    Relu("uniform-1d", (17,), "uniform"),
    Relu("uniform-batch", (2, 3, 5, 4), "uniform"),
    Relu("special", (1, 1, 3, 8), "special"),
]

RELU_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 0.0]


def relu_input(case):
    """float32 input of a ReLU case."""
    s = rng("relu/" + case.name)
    x = draw(s, case.shape)
    flat = x.reshape(-1)
    if case.values == "uniform":
        # exact zeros of both signs, where the kink is
        for k, i in enumerate(s.choice(flat.size, size=4, replace=False)):
            flat[i] = np.float32(0.0) if k % 2 == 0 else np.float32(-0.0)
    else:
        flat[:len(RELU_SPECIAL)] = np.array(RELU_SPECIAL, np.float32)
    return x


def same_exactly(what, got, ref):
    """Stop unless `got` equals `ref` exactly, NaN for NaN and the sign of
    every zero included."""
    got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
    if got.shape != ref.shape:
        sys.exit(f"make-fixtures: {what}: shape {got.shape} != {ref.shape}")
    if not (np.array_equal(got, ref, equal_nan=True)
            and np.array_equal(np.signbit(got), np.signbit(ref))):
        sys.exit(f"make-fixtures: {what}: not exactly equal")


def relu_family(out):
    """tests/fixtures/relu: input, output, grad_output, grad_input."""
    check_names(RELU_CASES)
    for case in RELU_CASES:
        name = case.name
        x = relu_input(case)
        dy = draw(rng("relu/" + name + "/grad"), case.shape)
        X = t64(x).requires_grad_()
        y = F.relu(X)
        y.backward(t64(dy))
        y, gx = y.detach().numpy(), X.grad.numpy()
        what = f"relu/{name}"
        # The definitions, in NumPy: y = 0 where x < 0, else x (so NaN and
        # -0 pass); the gradient is 0 where x <= 0, else dy (so it passes
        # at NaN).  PyTorch in float32, and its in-place form, agree.
        x64 = x.astype(np.float64)
        with np.errstate(invalid="ignore"):
            same_exactly(what + " numpy", np.where(x64 < 0, 0.0, x64), y)
            same_exactly(what + " numpy grad",
                         np.where(x64 <= 0, 0.0, dy.astype(np.float64)), gx)
        same_exactly(what + " float32", F.relu(torch.from_numpy(x)).numpy(), y)
        same_exactly(what + " relu_",
                     torch.relu_(torch.from_numpy(x.copy())).numpy(), y)

        d = os.path.join(out, name)
        os.makedirs(d)
        save(d, "input", x, np.float32)
        save(d, "output", y, np.float64)
        save(d, "grad_output", dy, np.float32)
        save(d, "grad_input", gx, np.float64)

    write_cases(os.path.join(out, "cases.txt"), """\
ReLU: output = relu(input), and grad_input = dL/dinput for
L = sum(output * grad_output), by torch.nn.functional.relu and autograd
in float64 from the float32 input.  Both are exact: output is 0 where
input < 0 and the input otherwise (so NaN and -0 pass through);
grad_input is 0 where input <= 0 and grad_output otherwise (so it is 0 at
both zeros, and passes at NaN).
Files in NAME/: input.npy grad_output.npy (float32), output.npy
grad_input.npy (float64).  The shape is that of the .npy files.
Written by tests/make-fixtures.py (make fixtures); do not edit.

Columns:
  name    the directory holding the case's .npy files""",
                ["name"], [(c.name,) for c in RELU_CASES])
    return len(RELU_CASES)


# ------------------------------------------------------------ maxpool family

class Pool:
    """One max pooling, as torch.nn.functional.max_pool2d has it.

    input      (N, C, H, W)
    kernel     (kH, kW) or k
    stride     pair or int; None means the kernel, as in PyTorch
    padding    (ph, pw) or p: -infinity rows at top and bottom, columns at
               left and right; PyTorch wants each <= kernel // 2
    dilation   pair or int
    ceil_mode  keep a partial last window (unless it would start in the
               right padding)
    values     uniform: uniform in [-1, 1);  ties: small integers, so
               that windows hold equal maxima;  nan: uniform, with NaNs
    """

    def __init__(self, name, input, kernel, stride=None, padding=0,
                 dilation=1, ceil_mode=False, values="uniform"):
        self.name = name
        self.input = tuple(input)
        self.kernel = pair(kernel)
        self.stride = pair(stride) if stride is not None else self.kernel
        self.padding = pair(padding)
        self.dilation = pair(dilation)
        self.ceil_mode = ceil_mode
        self.values = values
        assert values in ("uniform", "ties", "nan")

    def row(self):
        return ((self.name,) + self.kernel + self.stride + self.padding
                + self.dilation + (int(self.ceil_mode),))

    def operands(self):
        """x, then dy for an output of shape `out` (a function)."""
        s = rng("maxpool/" + self.name)
        if self.values == "ties":
            x = s.randint(-2, 3, size=self.input).astype(np.float32)
        else:
            x = draw(s, self.input)
        if self.values == "nan":
            flat = x.reshape(-1)
            flat[s.choice(flat.size, size=max(2, flat.size // 8),
                          replace=False)] = np.nan
        return x, s

    def reference(self, x):
        return F.max_pool2d(x, self.kernel, stride=self.stride,
                            padding=self.padding, dilation=self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=True)


POOL_COLUMNS = ("name kernel_h kernel_w stride_h stride_w pad_h pad_w "
                "dilation_h dilation_w ceil_mode").split()


def pool_by_numpy(x, case):
    """The definition, in NumPy, independent of PyTorch: the output size
    from the padded length L = H + 2p and the extent e = d(k-1) + 1,
      floor mode  o = floor((L - e) / s) + 1
      ceil mode   o = ceil((L - e) / s) + 1, less 1 if that last window
                  would start at or after p + H, in the right padding;
    then, for each window, the first of its taps inside the input, in
    row-major order, that holds a larger value than all before it, or a
    NaN.  Returns the output and the flat index within the plane (-1 for
    a window that reads no input sample)."""
    n, c, h, w = x.shape
    sizes = []
    for i, k, s, p, d in zip((h, w), case.kernel, case.stride, case.padding,
                             case.dilation):
        span = d * (k - 1) + 1
        if case.ceil_mode:
            o = -((span - (i + 2 * p)) // s) + 1
            if (o - 1) * s >= p + i:
                o -= 1
        else:
            o = (i + 2 * p - span) // s + 1
        sizes.append(o)
    (ho, wo), (kh, kw) = sizes, case.kernel
    (sh, sw), (ph, pw), (dh, dw) = case.stride, case.padding, case.dilation
    y = np.full((n, c, ho, wo), -np.inf)
    index = np.full((n, c, ho, wo), -1, np.int64)
    for a in range(n):
        for b in range(c):
            for i in range(ho):
                for j in range(wo):
                    for u in range(kh):
                        for v in range(kw):
                            r, q = i * sh + u * dh - ph, j * sw + v * dw - pw
                            if not (0 <= r < h and 0 <= q < w):
                                continue
                            val = float(x[a, b, r, q])
                            if (index[a, b, i, j] < 0 or val > y[a, b, i, j]
                                    or np.isnan(val)):
                                y[a, b, i, j], index[a, b, i, j] = val, r * w + q
    return y, index


POOL_CASES = [
    # PyTorch's own test configurations: module_tests (MaxPool2d((3, 3),
    # (2, 2), (1, 1)) on 1x3x7x7) and the OpInfo sample parameters
    # (kernel (3, 2), stride (2, 1), padding 1, dilation (1, 2)).
    Pool("pt-module", (1, 3, 7, 7), 3, stride=2, padding=1),
    Pool("pt-opinfo", (1, 2, 6, 6), (3, 2), stride=(2, 1), padding=1,
         dilation=(1, 2)),
    Pool("pt-opinfo-ceil", (1, 2, 6, 6), (3, 2), stride=(2, 1), padding=1,
         dilation=(1, 2), ceil_mode=True),
    # the default: windows side by side; an odd size leaves a sample unread
    Pool("default-2", (1, 1, 4, 6), 2),
    Pool("default-2-odd", (1, 2, 5, 7), 2),
    Pool("default-3", (2, 1, 6, 9), 3),
    # overlap (stride < kernel) and gaps (stride > kernel)
    Pool("overlap", (1, 2, 6, 6), 3, stride=1),
    Pool("overlap-stride2", (1, 1, 7, 8), 3, stride=2),
    Pool("gaps", (1, 2, 7, 9), 2, stride=(3, 4)),
    # padding, up to half the kernel
    Pool("pad-1", (1, 1, 5, 5), 2, stride=1, padding=1),
    Pool("pad-asym-axes", (1, 2, 6, 5), (5, 2), stride=(2, 1),
         padding=(2, 1)),
    # dilation
    Pool("dilated", (1, 2, 7, 7), 2, stride=1, dilation=2),
    Pool("dilated-padded", (1, 1, 8, 9), 3, stride=2, padding=1,
         dilation=(2, 3)),
    # ceil mode: a partial last window; one that would start in the right
    # padding is dropped; a kernel larger than the padded input
    Pool("ceil-partial", (1, 2, 5, 7), 2, ceil_mode=True),
    Pool("ceil-stride3", (1, 1, 8, 7), 3, stride=3, ceil_mode=True),
    Pool("ceil-drop", (1, 1, 5, 5), 2, padding=1, ceil_mode=True),
    Pool("ceil-overhang", (1, 1, 1, 3), (2, 3), stride=(2, 4),
         ceil_mode=True),
    Pool("ceil-dilated", (1, 1, 9, 8), 2, stride=3, padding=1, dilation=2,
         ceil_mode=True),
    # non-square everything
    Pool("nonsquare", (2, 3, 5, 9), (2, 3), stride=(1, 2), padding=(1, 0),
         dilation=(2, 1)),
    # ties: the first maximum in row-major order takes the gradient
    Pool("ties-default", (1, 2, 6, 6), 2, values="ties"),
    Pool("ties-overlap", (2, 2, 6, 7), 3, stride=1, padding=1,
         values="ties"),
    Pool("ties-ceil-dilated", (1, 3, 7, 6), (2, 3), stride=2, padding=1,
         dilation=(2, 1), ceil_mode=True, values="ties"),
    # NaN: a NaN is the maximum of its window (the last NaN, if several)
    Pool("nan", (1, 2, 6, 6), 2, values="nan"),
    Pool("nan-overlap", (1, 1, 7, 7), 3, stride=1, padding=1, values="nan"),
    # a batch and many channels; an empty batch
    Pool("batch", (3, 4, 6, 5), 2, stride=1),
    Pool("zero-batch", (0, 2, 4, 4), 2),
    # the smallest
    Pool("single-pixel", (1, 1, 1, 1), 1),
    Pool("kernel-1-stride-2", (1, 1, 5, 4), 1, stride=2),
]


def maxpool_family(out):
    """tests/fixtures/maxpool: input, output, indices, grad_output,
    grad_input, grad_input_abs; and sizes.txt."""
    check_names(POOL_CASES)
    for case in POOL_CASES:
        x, s = case.operands()
        X = t64(x).requires_grad_()
        y, index = case.reference(X)
        dy = draw(s, tuple(y.shape))
        y.backward(t64(dy))
        gx = X.grad.numpy()
        X2 = t64(x).requires_grad_()
        case.reference(X2)[0].backward(t64(np.abs(dy)))
        gx_abs = X2.grad.numpy()
        y, index = y.detach().numpy(), index.numpy()
        what = f"maxpool/{case.name}"
        # (1) The definition, in NumPy: the same values and the same
        # indices; no window of a fixture reads nothing but padding.
        ny, nindex = pool_by_numpy(x, case)
        same_exactly(what + " numpy", ny, y)
        if not np.array_equal(nindex, index) or (index < 0).any():
            sys.exit(f"make-fixtures: {what}: the indices differ")
        # (2) PyTorch in float32 without indices (a different path), and
        # nn.MaxPool2d.
        same_exactly(what + " float32", F.max_pool2d(
            torch.from_numpy(x), case.kernel, case.stride, case.padding,
            case.dilation, case.ceil_mode).numpy(), y)
        m = nn.MaxPool2d(case.kernel, case.stride, case.padding,
                         case.dilation, ceil_mode=case.ceil_mode)
        same_exactly(what + " nn.MaxPool2d", m(t64(x)).numpy(), y)
        # (3) The gradient: each dy sent to its window's index.
        n, c, h, w = x.shape
        scatter = np.zeros((n, c, h * w))
        for a in range(n):
            for b in range(c):
                np.add.at(scatter[a, b], index[a, b].reshape(-1),
                          dy[a, b].reshape(-1).astype(np.float64))
        agree(what + " numpy grad", scatter.reshape(x.shape), gx, gx_abs)

        d = os.path.join(out, case.name)
        os.makedirs(d)
        save(d, "input", x, np.float32)
        save(d, "output", y, np.float64)
        save(d, "indices", index, np.float64)
        save(d, "grad_output", dy, np.float32)
        save(d, "grad_input", gx, np.float64)
        save(d, "grad_input_abs", gx_abs, np.float64)

    write_cases(os.path.join(out, "cases.txt"), """\
Max pooling: output, indices = max_pool2d(input, ..., return_indices=True)
as torch.nn.functional.max_pool2d computes it in float64 from the float32
input (each output is one of the inputs, so it is exact), and
grad_input = dL/dinput for L = sum(output * grad_output), by autograd.
Files in NAME/: input.npy grad_output.npy (float32); output.npy,
indices.npy (the flat index h * W + w, within its plane, of the input
sample each output is), grad_input.npy and grad_input_abs.npy (the same
gradient for |grad_output|: per sample, the sum of the absolute values of
its terms) (float64).  The inputs are uniform in [-1, 1), except in the
ties-* cases, which hold small integers (-2 to 2) so that windows hold
equal maxima, and the nan* cases, which hold NaNs.
Written by tests/make-fixtures.py (make fixtures); do not edit.

Columns (whitespace-separated, one case a line):
  name                   the directory holding the case's .npy files
  kernel_h kernel_w      window size, >= 1
  stride_h stride_w      stride, >= 1
  pad_h pad_w            -infinity padding on both sides, <= kernel // 2
  dilation_h dilation_w  dilation, 1 = dense
  ceil_mode              1 for ceil mode, 0 for floor mode
The input shape is that of input.npy.""", POOL_COLUMNS,
                [c.row() for c in POOL_CASES])

    # The output length of one axis for every small configuration, by
    # PyTorch (the width of a 1 x i input), 0 where PyTorch refuses it.
    rows = []
    for ceil_mode in (0, 1):
        for i in range(1, 13):
            for k in range(1, 6):
                for s in range(1, 5):
                    for d in range(1, 4):
                        for p in range(0, k // 2 + 2):
                            try:
                                o = F.max_pool2d(
                                    torch.zeros(1, 1, 1, i), (1, k),
                                    stride=(1, s), padding=(0, p),
                                    dilation=(1, d),
                                    ceil_mode=bool(ceil_mode)).shape[3]
                            except RuntimeError:
                                o = 0
                            rows.append((i, k, s, p, d, ceil_mode, o))
    write_cases(os.path.join(out, "sizes.txt"), """\
Output lengths of max pooling along one axis, by PyTorch: the width of
max_pool2d on a 1 x 1 x 1 x input tensor, with kernel (1, kernel),
stride (1, stride), padding (0, pad), dilation (1, dilation).
output is 0 where PyTorch refuses the configuration (padding more than
half the kernel, or no window).
Written by tests/make-fixtures.py (make fixtures); do not edit.""",
                "input kernel stride pad dilation ceil_mode output".split(),
                rows)
    return len(POOL_CASES)


# --------------------------------------------------------------------- main

FAMILIES = {
    "forward": forward_family,
    "backward": backward_family,
    "transpose": transpose_family,
    "relu": relu_family,
    "maxpool": maxpool_family,
}


def main(argv):
    if len(argv) < 2 or any(f not in FAMILIES for f in argv[2:]):
        sys.exit("usage: make-fixtures.py OUTDIR [FAMILY ...]\n"
                 "families: " + " ".join(FAMILIES))
    out = argv[1]
    for family in argv[2:] or list(FAMILIES):
        directory = os.path.join(out, family)
        fresh_dir(directory)
        count = FAMILIES[family](directory)
        print(f"make-fixtures: {directory}: {count} cases")
    print(f"make-fixtures: made with torch {torch.__version__}, "
          f"numpy {np.__version__}, seed {SEED}")


if __name__ == "__main__":
    main(sys.argv)
