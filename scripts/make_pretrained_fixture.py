#!/usr/bin/env python3
"""Writes crates/deep/tests/fixtures/pretrained/: small MedicalNet-style 3D ResNet weight files
and the embeddings PyTorch computes with them, the reference for radlsig's loader of pretrained
weights (crates/deep/src/pretrained.rs).

The network is MedicalNet's ResNet (Chen et al. 2019, "Med3D"), written here in plain PyTorch
from its public definition, without its classification / segmentation head:

- stem: conv1 = Conv3d(in_ch, w0, 7, stride 2, padding 3, no bias), bn1, ReLU,
  maxpool = MaxPool3d(3, stride 2, padding 1);
- layer1..layer4: BasicBlocks (two 3^3 convs with padding = dilation, each followed by BN, ReLU
  after the residual sum); the first block of stage i has stride strides[i], every block of
  stage i dilation dilations[i]. MedicalNet: strides [1, 2, 1, 1], dilations [1, 1, 2, 4];
  MONAI's ResNet: strides [1, 2, 2, 2], no dilation;
- shortcut when the stride or the width changes: "B" = 1^3 conv (stride, no bias) + BN
  (`downsample.0`, `downsample.1`), "A" = no parameters: subsample with avg_pool3d(kernel 1,
  stride) and zero-pad the missing channels at the end;
- embedding: global average pool of layer4's output over D, H, W ([B, widths[3]]); no fc.

Weights are seeded (conv ~ N(0, 2 / fan_in); BN gamma U[0.5, 1.5], beta U[-0.2, 0.2], running
mean U[-0.3, 0.3], running var U[0.5, 2.0], so that BN folding is really exercised) and the
models run in eval() mode (running statistics, eps 1e-5), float32. The input has no random
numbers, so the Rust test rebuilds it exactly: shape [B, C, D, H, W] = [2, in_ch, 20, 24, 28],
value at flat C-order index i = float32(sin(0.37 i) + 0.25 cos(0.011 i)), computed in float64.

Files written (widths [4, 8, 16, 32] throughout, to keep them small):
- resnet10_b.pth          blocks [1,1,1,1], shortcut B, 1 input channel; a checkpoint
                          {"state_dict": ...} with every key prefixed `module.` (saved through
                          nn.DataParallel, as MedicalNet's released files are);
- resnet10_b.safetensors  the same weights, plain keys (num_batches_tracked kept, int64);
- resnet18_a_3ch.pth      blocks [2,2,2,2], shortcut A, 3 input channels; a plain state dict;
- expected.json           per case: the config, the input, the embeddings (full precision), the
                          output shape of each stage. Cases: resnet10_b (MedicalNet layout),
                          resnet10_b_nodilation (the same weights in MONAI's layout),
                          resnet18_a_3ch (3-channel input) and resnet18_a_3ch_from_1ch (the
                          1-channel input repeated on 3 channels, which is what loading the
                          3-channel stem into a 1-channel model by summing conv1 over its input
                          channels computes).

Usage: python3 scripts/make_pretrained_fixture.py
Needs torch (2.15.0 from PyPI was used, run on the CPU; its wheel is the CUDA build and imports
only with its nvidia-* dependencies installed), safetensors (0.8.0) and numpy (2.4.6); the
versions are recorded in expected.json. Deterministic: fixed seeds,
torch.use_deterministic_algorithms(True), torch.set_num_threads(1), float32; two runs write
byte-identical files. The script checks itself before writing expected.json: the files read
back equal, each embedding is recomputed from the state dict alone, and the summed 3-channel
stem on the 1-channel input gives the repeated-input embedding.
"""
import collections
import copy
import json
import math
import os

import numpy as np
import safetensors
import safetensors.torch
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'crates/deep/tests/fixtures/pretrained')

WIDTHS = [4, 8, 16, 32]
MEDICALNET = {'strides': [1, 2, 1, 1], 'dilations': [1, 1, 2, 4]}
MONAI = {'strides': [1, 2, 2, 2], 'dilations': [1, 1, 1, 1]}
STEM = {'kernel': 7, 'stride': 2, 'padding': 3}
MAX_POOL = {'kernel': 3, 'stride': 2, 'padding': 1}
BN_EPS = 1e-5
BATCH = 2
SPATIAL = [20, 24, 28]  # D, H, W
FORMULA = ('x[i] = float32(sin(0.37 * i) + 0.25 * cos(0.011 * i)), i = flat C-order index over '
           '[B, C, D, H, W], computed in float64 and cast to float32')
# The float32 weights alone are ~1.0 MB (ResNet-18 at widths [4, 8, 16, 32] is 133,828 values,
# ResNet-10 58,060, stored twice); this bound only catches accidental growth.
MAX_FIXTURE_BYTES = 1_200_000


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride, dilation, shortcut):
        super().__init__()
        self.conv1 = nn.Conv3d(inplanes, planes, 3, stride=stride, padding=dilation,
                               dilation=dilation, bias=False)
        self.bn1 = nn.BatchNorm3d(planes, eps=BN_EPS)
        self.conv2 = nn.Conv3d(planes, planes, 3, stride=1, padding=dilation, dilation=dilation,
                               bias=False)
        self.bn2 = nn.BatchNorm3d(planes, eps=BN_EPS)
        self.planes = planes
        self.stride = stride
        self.pad_shortcut = False
        self.downsample = None
        if stride != 1 or inplanes != planes:
            if shortcut == 'B':
                self.downsample = nn.Sequential(
                    nn.Conv3d(inplanes, planes, 1, stride=stride, bias=False),
                    nn.BatchNorm3d(planes, eps=BN_EPS))
            elif shortcut == 'A':
                self.pad_shortcut = True
            else:
                raise ValueError(f'unknown shortcut {shortcut!r}')

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        elif self.pad_shortcut:
            residual = F.avg_pool3d(x, kernel_size=1, stride=self.stride)
            pad = residual.new_zeros((residual.shape[0], self.planes - residual.shape[1])
                                     + tuple(residual.shape[2:]))
            residual = torch.cat([residual, pad], dim=1)
        else:
            residual = x
        return F.relu(out + residual)


class ResNet3d(nn.Module):
    def __init__(self, in_ch, widths, blocks, strides, dilations, shortcut):
        super().__init__()
        self.conv1 = nn.Conv3d(in_ch, widths[0], STEM['kernel'], stride=STEM['stride'],
                               padding=STEM['padding'], bias=False)
        self.bn1 = nn.BatchNorm3d(widths[0], eps=BN_EPS)
        self.maxpool = nn.MaxPool3d(MAX_POOL['kernel'], stride=MAX_POOL['stride'],
                                    padding=MAX_POOL['padding'])
        inplanes = widths[0]
        for i in range(4):
            layer = []
            for j in range(blocks[i]):
                layer.append(BasicBlock(inplanes, widths[i], strides[i] if j == 0 else 1,
                                        dilations[i], shortcut))
                inplanes = widths[i]
            setattr(self, f'layer{i + 1}', nn.Sequential(*layer))

    def forward(self, x):
        """(embedding [B, widths[3]], {stage name: output})."""
        stages = collections.OrderedDict()
        x = F.relu(self.bn1(self.conv1(x)))
        stages['conv1'] = x
        x = self.maxpool(x)
        stages['maxpool'] = x
        for i in range(1, 5):
            x = getattr(self, f'layer{i}')(x)
            stages[f'layer{i}'] = x
        return x.mean(dim=(2, 3, 4)), stages


def functional_embedding(sd, strides, dilations, x):
    """The embedding from a state dict alone, the way a loader sees the file: stage widths and
    block counts from the `layerI.J.conv1.weight` names, the shortcut from whether `downsample`
    tensors exist. A check that the names and the layout carry the whole network."""
    def bn(t, name):
        return F.batch_norm(t, sd[name + '.running_mean'], sd[name + '.running_var'],
                            sd[name + '.weight'], sd[name + '.bias'], False, 0.0, BN_EPS)

    x = F.relu(bn(F.conv3d(x, sd['conv1.weight'], stride=STEM['stride'],
                           padding=STEM['padding']), 'bn1'))
    x = F.max_pool3d(x, MAX_POOL['kernel'], MAX_POOL['stride'], MAX_POOL['padding'])
    for i in range(4):
        j = 0
        while f'layer{i + 1}.{j}.conv1.weight' in sd:
            p, s, d = f'layer{i + 1}.{j}', strides[i] if j == 0 else 1, dilations[i]
            out = F.relu(bn(F.conv3d(x, sd[p + '.conv1.weight'], stride=s, padding=d,
                                     dilation=d), p + '.bn1'))
            out = bn(F.conv3d(out, sd[p + '.conv2.weight'], padding=d, dilation=d), p + '.bn2')
            if p + '.downsample.0.weight' in sd:
                res = bn(F.conv3d(x, sd[p + '.downsample.0.weight'], stride=s),
                         p + '.downsample.1')
            else:
                res = x[:, :, ::s, ::s, ::s]
                res = F.pad(res, (0, 0, 0, 0, 0, 0, 0, out.shape[1] - res.shape[1]))
            x = F.relu(out + res)
            j += 1
    return x.mean(dim=(2, 3, 4))


def init_weights(model, seed):
    """Seeded weights, in module order (module docs)."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv3d):
                fan_in = m.in_channels // m.groups * math.prod(m.kernel_size)
                m.weight.normal_(0.0, math.sqrt(2.0 / fan_in))
            elif isinstance(m, nn.BatchNorm3d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)


def make_input(in_ch):
    shape = (BATCH, in_ch, *SPATIAL)
    i = np.arange(math.prod(shape), dtype=np.float64)
    x = (np.sin(0.37 * i) + 0.25 * np.cos(0.011 * i)).astype(np.float32).reshape(shape)
    return torch.from_numpy(x)


def floats(t):
    """Nested lists of Python floats (exact float32 values; json writes them with repr)."""
    return [[float(v) for v in row] for row in t.tolist()]


def to_json(value, indent=0):
    """JSON with one key per line and each list of scalars (a shape, an embedding row) on one
    line; floats as repr (shortest round trip), so the text is the same on every run."""
    pad = ' ' * indent
    if isinstance(value, dict):
        items = [f'{pad} {json.dumps(k)}: {to_json(v, indent + 1)}' for k, v in value.items()]
        return '{\n' + ',\n'.join(items) + '\n' + pad + '}'
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [f'{pad} {to_json(v, indent + 1)}' for v in value]
        return '[\n' + ',\n'.join(items) + '\n' + pad + ']'
    return json.dumps(value, allow_nan=False)


def run_case(name, model, weight_file, also_in, cfg, in_ch, replicate_to=None):
    x = make_input(in_ch)
    if replicate_to is not None:
        x = x.repeat(1, replicate_to, 1, 1, 1)
    model.eval()
    with torch.no_grad():
        emb, stages = model(x)
        # The same network in float64: how far float32 rounding alone moves the embedding.
        emb64, _ = copy.deepcopy(model).double()(x.double())
    assert emb.dtype == torch.float32 and tuple(emb.shape) == (BATCH, cfg['widths'][3])
    flat = x.reshape(-1)
    case = collections.OrderedDict()
    case['name'] = name
    case['weight_file'] = weight_file
    case['same_weights_in'] = also_in
    case['config'] = cfg
    case['input'] = collections.OrderedDict([
        ('shape', [BATCH, in_ch, *SPATIAL]),
        ('formula', FORMULA),
        ('repeat_channels', replicate_to),
        ('model_input_shape', list(x.shape)),
        ('first_values', [float(v) for v in flat[:4].tolist()]),
        ('sum_f64', math.fsum(make_input(in_ch).reshape(-1).tolist())),
    ])
    case['layer_output_shapes'] = collections.OrderedDict(
        (k, list(v.shape)) for k, v in stages.items())
    case['layer_output_means'] = collections.OrderedDict(
        (k, float(v.double().mean())) for k, v in stages.items())
    case['embedding_shape'] = list(emb.shape)
    case['embeddings'] = floats(emb)
    case['embeddings_f32_vs_f64_max_abs_diff'] = float((emb.double() - emb64).abs().max())
    case['torch_version'] = torch.__version__
    return case


def config(in_ch, blocks, layout, shortcut, seed):
    return collections.OrderedDict([
        ('in_ch', in_ch),
        ('widths', WIDTHS),
        ('blocks', blocks),
        ('strides', layout['strides']),
        ('dilations', layout['dilations']),
        ('shortcut', shortcut),
        ('stem', STEM),
        ('max_pool', MAX_POOL),
        ('bn_eps', BN_EPS),
        ('embedding', 'global average pool of layer4 over D, H, W; no fc'),
        ('seed', seed),
    ])


def build(cfg):
    return ResNet3d(cfg['in_ch'], cfg['widths'], cfg['blocks'], cfg['strides'],
                    cfg['dilations'], cfg['shortcut'])


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    os.makedirs(OUT, exist_ok=True)
    cases = []

    # 1. ResNet-10, shortcut B, 1 channel: a DataParallel checkpoint and a safetensors file.
    cfg10 = config(1, [1, 1, 1, 1], MEDICALNET, 'B', 1010)
    r10 = build(cfg10)
    init_weights(r10, cfg10['seed'])
    r10.eval()
    prefixed = nn.DataParallel(r10).state_dict()  # keys `module.…`, as MedicalNet's files
    assert all(k.startswith('module.') for k in prefixed)
    torch.save({'state_dict': prefixed}, os.path.join(OUT, 'resnet10_b.pth'))
    plain = collections.OrderedDict((k, v.contiguous()) for k, v in r10.state_dict().items())
    safetensors.torch.save_file(plain, os.path.join(OUT, 'resnet10_b.safetensors'),
                                metadata={'format': 'pt'})
    cases.append(run_case('resnet10_b', r10, 'resnet10_b.pth', ['resnet10_b.safetensors'],
                          cfg10, 1))

    # 3. The same weights in MONAI's layout (strides 1, 2, 2, 2, no dilation).
    cfg10m = config(1, [1, 1, 1, 1], MONAI, 'B', cfg10['seed'])
    r10m = build(cfg10m)
    r10m.load_state_dict(r10.state_dict())
    cases.append(run_case('resnet10_b_nodilation', r10m, 'resnet10_b.pth',
                          ['resnet10_b.safetensors'], cfg10m, 1))

    # 2. ResNet-18, shortcut A, 3 channels: a plain state dict; 3-channel input, and the
    # 1-channel input repeated on 3 channels.
    cfg18 = config(3, [2, 2, 2, 2], MEDICALNET, 'A', 1818)
    r18 = build(cfg18)
    init_weights(r18, cfg18['seed'])
    r18.eval()
    assert not any('downsample' in k for k in r18.state_dict())
    torch.save(r18.state_dict(), os.path.join(OUT, 'resnet18_a_3ch.pth'))
    cases.append(run_case('resnet18_a_3ch', r18, 'resnet18_a_3ch.pth', [], cfg18, 3))
    cases.append(run_case('resnet18_a_3ch_from_1ch', r18, 'resnet18_a_3ch.pth', [], cfg18, 1,
                          replicate_to=3))

    # The files read back as written.
    ck = torch.load(os.path.join(OUT, 'resnet10_b.pth'), weights_only=True)
    st = safetensors.torch.load_file(os.path.join(OUT, 'resnet10_b.safetensors'))
    sd18 = torch.load(os.path.join(OUT, 'resnet18_a_3ch.pth'), weights_only=True)
    for k, v in r10.state_dict().items():
        assert torch.equal(ck['state_dict']['module.' + k], v) and torch.equal(st[k], v), k
    for k, v in r18.state_dict().items():
        assert torch.equal(sd18[k], v), k

    # Self-checks: each case again from the state dict alone (what the Rust loader reads), and
    # the 1-channel route for the 3-channel stem (conv1 summed over its input channels).
    with torch.no_grad():
        for c in cases:
            sd = dict((r18 if c['config']['in_ch'] == 3 else r10).state_dict())
            x = make_input(c['input']['shape'][1])
            if c['input']['repeat_channels']:
                x = x.repeat(1, c['input']['repeat_channels'], 1, 1, 1)
            got = functional_embedding(sd, c['config']['strides'], c['config']['dilations'], x)
            want = torch.tensor(c['embeddings'])
            assert torch.allclose(got, want, rtol=1e-5, atol=1e-5), c['name']
        sd1 = dict(r18.state_dict())
        sd1['conv1.weight'] = sd1['conv1.weight'].sum(dim=1, keepdim=True)
        got = functional_embedding(sd1, MEDICALNET['strides'], MEDICALNET['dilations'],
                                   make_input(1))
        want = torch.tensor(cases[-1]['embeddings'])
        assert torch.allclose(got, want, rtol=1e-5, atol=1e-5), 'summed 3-channel stem'

    doc = collections.OrderedDict([
        ('generator', 'scripts/make_pretrained_fixture.py'),
        ('torch_version', torch.__version__),
        ('safetensors_version', safetensors.__version__),
        ('numpy_version', np.__version__),
        ('dtype', 'float32'),
        ('state_dict_keys', collections.OrderedDict([
            ('resnet10_b', list(r10.state_dict().keys())),
            ('resnet18_a_3ch', list(r18.state_dict().keys())),
        ])),
        ('cases', cases),
    ])
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        f.write(to_json(doc) + '\n')

    total = 0
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        total += size
        print(f'{size:>9}  {os.path.relpath(os.path.join(OUT, name), ROOT)}')
    print(f'{total:>9}  total (torch {torch.__version__}, safetensors {safetensors.__version__})')
    for c in cases:
        print(f"{c['name']}: embeddings {c['embedding_shape']}, stages "
              + ', '.join(f'{k} {v[2:]}' for k, v in c['layer_output_shapes'].items())
              + f", f32 vs f64 {c['embeddings_f32_vs_f64_max_abs_diff']:.2e}")
    if total > MAX_FIXTURE_BYTES:
        raise SystemExit(f'fixture folder is {total} bytes, over {MAX_FIXTURE_BYTES}')


if __name__ == '__main__':
    main()
