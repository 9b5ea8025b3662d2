"""MultiheadAttention and the Transformer layers against PyTorch (dropout 0 for parity)."""
import numpy as np
import pytest
import torch

import axonml
from axonml import nn
from tests.nn.parity import check_module, load_torch_state, to_axonml
from tests.oracle.oracle import assert_close

E, HEADS, L, S, N = 8, 2, 5, 6, 3


def _options_on(options, x):
    """The options with torch tensors (masks) as axonml tensors on x's device."""
    return {k: to_axonml(v).to(x.device) if isinstance(v, torch.Tensor) else v for k, v in options.items()}


class _Attend(torch.nn.Module):
    """Wraps a MultiheadAttention so that query/key/value are separate inputs and options are fixed."""

    def __init__(self, attention, **options):
        super().__init__()
        self.attention, self.options = attention, options

    def forward(self, query, key, value):
        return self.attention(query, key, value, **self.options)


class _AxAttend(nn.Module):
    def __init__(self, attention, **options):
        super().__init__()
        self.attention, self.options = attention, options

    def forward(self, query, key, value):
        return self.attention(query, key, value, **_options_on(self.options, query))


def _causal(size):
    return torch.triu(torch.full((size, size), float("-inf")), 1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(need_weights=False), dict(average_attn_weights=False),
                                     dict(attn_mask=torch.rand(L, S) > 0.7),
                                     dict(key_padding_mask=torch.tensor([[False] * 5 + [True]] * N)),
                                     dict(attn_mask=torch.randn(N * HEADS, L, S), need_weights=False)])
@pytest.mark.parametrize("layer_options", [dict(), dict(bias=False), dict(kdim=3, vdim=7), dict(add_bias_kv=True),
                                           dict(add_zero_attn=True)])
def test_multihead_attention_matches_torch(dtype, options, layer_options, device):
    torch.manual_seed(0)
    ours, theirs = nn.MultiheadAttention(E, HEADS, **layer_options), torch.nn.MultiheadAttention(E, HEADS,
                                                                                               **layer_options)
    if dtype == "float64":
        options = {k: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v
                   for k, v in options.items()}
    kdim, vdim = layer_options.get("kdim", E), layer_options.get("vdim", E)
    check_module(_AxAttend(ours, **options), _Attend(theirs, **options), [(L, N, E), (S, N, kdim), (S, N, vdim)],
                 dtype=dtype, device=device)


def test_self_attention_batch_first_causal_and_unbatched():
    for batch_first in (False, True):
        ours = nn.MultiheadAttention(E, HEADS, batch_first=batch_first)
        theirs = torch.nn.MultiheadAttention(E, HEADS, batch_first=batch_first)
        load_torch_state(ours, theirs)
        x = np.random.default_rng(0).standard_normal((N, L, E) if batch_first else (L, N, E))
        xt, xa = torch.from_numpy(x), axonml.from_numpy(x)
        ours.double(), theirs.double()
        for kwargs in (dict(), dict(attn_mask=_causal(L).double(), is_causal=True, need_weights=False)):
            out_t = theirs(xt, xt, xt, **kwargs)
            out_a = ours(xa, xa, xa, **{k: to_axonml(v) for k, v in kwargs.items()})
            assert_close(out_a[0], out_t[0], "float64")
        unbatched = x[0]
        out_t = theirs(torch.from_numpy(unbatched), torch.from_numpy(unbatched), torch.from_numpy(unbatched))
        out_a = ours(axonml.from_numpy(unbatched), axonml.from_numpy(unbatched), axonml.from_numpy(unbatched))
        assert_close(out_a[0], out_t[0], "float64")
        assert_close(out_a[1], out_t[1], "float64")


class _SelfAttend(torch.nn.Module):
    """Self-attention of one input, without weights: the path that runs the fused attention kernel."""

    def __init__(self, attention, **options):
        super().__init__()
        self.attention, self.options = attention, options

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False, **self.options)[0]


class _AxSelfAttend(nn.Module):
    def __init__(self, attention, **options):
        super().__init__()
        self.attention, self.options = attention, options

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False, **_options_on(self.options, x))[0]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("options", [dict(), dict(attn_mask=torch.randn(L, L)),
                                     dict(attn_mask=torch.rand(N * HEADS, L, L) > 0.6),
                                     dict(key_padding_mask=torch.tensor([[False] * (L - 2) + [True] * 2] * N)),
                                     dict(attn_mask=torch.randn(N * HEADS, L, L),
                                          key_padding_mask=torch.tensor([[False] * (L - 1) + [True]] * N)),
                                     dict(attn_mask=_causal(L), is_causal=True)])
def test_fused_self_attention_matches_torch(batch_first, options, device):
    torch.manual_seed(0)
    ours, theirs = nn.MultiheadAttention(E, HEADS, batch_first=batch_first), \
        torch.nn.MultiheadAttention(E, HEADS, batch_first=batch_first)
    options = {k: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v
               for k, v in options.items()}
    check_module(_AxSelfAttend(ours, **options), _SelfAttend(theirs, **options),
                 [(N, L, E) if batch_first else (L, N, E)], dtype="float64", device=device)


class _CrossAttend(torch.nn.Module):
    """Attention of a query over a memory that is both key and value, without weights (the fused path)."""

    def __init__(self, attention, **options):
        super().__init__()
        self.attention, self.options = attention, options

    def forward(self, query, memory):
        return self.attention(query, memory, memory, need_weights=False, **self.options)[0]


class _AxCrossAttend(nn.Module):
    def __init__(self, attention, **options):
        super().__init__()
        self.attention, self.options = attention, options

    def forward(self, query, memory):
        return self.attention(query, memory, memory, need_weights=False, **_options_on(self.options, query))[0]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("options", [dict(), dict(attn_mask=torch.rand(L, S) > 0.6),
                                     dict(attn_mask=torch.randn(N * HEADS, L, S),
                                          key_padding_mask=torch.tensor([[False] * (S - 2) + [True] * 2] * N))])
@pytest.mark.parametrize("bias", [True, False])
def test_fused_cross_attention_matches_torch(batch_first, options, bias, device):
    torch.manual_seed(0)
    ours, theirs = nn.MultiheadAttention(E, HEADS, bias=bias, batch_first=batch_first), \
        torch.nn.MultiheadAttention(E, HEADS, bias=bias, batch_first=batch_first)
    options = {k: v.double() if isinstance(v, torch.Tensor) and v.is_floating_point() else v
               for k, v in options.items()}
    shapes = [(N, L, E), (N, S, E)] if batch_first else [(L, N, E), (S, N, E)]
    check_module(_AxCrossAttend(ours, **options), _CrossAttend(theirs, **options), shapes, dtype="float64",
                 device=device)


def test_multihead_attention_names_and_errors():
    assert list(nn.MultiheadAttention(E, HEADS).state_dict()) == list(torch.nn.MultiheadAttention(E, HEADS)
                                                                     .state_dict())
    assert list(nn.MultiheadAttention(E, HEADS, kdim=3, vdim=5, add_bias_kv=True).state_dict()) == \
        list(torch.nn.MultiheadAttention(E, HEADS, kdim=3, vdim=5, add_bias_kv=True).state_dict())
    assert repr(nn.MultiheadAttention(E, HEADS)) == repr(torch.nn.MultiheadAttention(E, HEADS))
    with pytest.raises(AssertionError):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        x = axonml.randn(L, N, E)
        nn.MultiheadAttention(E, HEADS)(x, x, x, is_causal=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("options", [dict(), dict(norm_first=True, activation="gelu"), dict(batch_first=True),
                                     dict(bias=False)])
def test_encoder_layer_matches_torch(dtype, options, device):
    ours = nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0, **options)
    theirs = torch.nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0, **options)
    check_module(ours, theirs, [(L, N, E)], dtype=dtype, device=device)


def test_encoder_layer_masks_in_eval(device):
    ours = nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16)
    theirs = torch.nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16)
    padding = torch.tensor([[False] * (L - 1) + [True]] * N)
    check_module(ours, theirs, [(L, N, E)], dtype="float64", train=False,
                 kwargs=dict(src_mask=_causal(L).double(), src_key_padding_mask=padding), device=device)


@pytest.mark.parametrize("options", [dict(), dict(norm_first=True, batch_first=True)])
def test_decoder_layer_matches_torch(options, device):
    ours = nn.TransformerDecoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0, **options)
    theirs = torch.nn.TransformerDecoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0, **options)
    shapes = [(N, L, E), (N, S, E)] if options.get("batch_first") else [(L, N, E), (S, N, E)]
    check_module(ours, theirs, shapes, dtype="float64", kwargs=dict(tgt_mask=_causal(L).double()), device=device)


def test_encoder_decoder_stacks_and_transformer(device):
    layer = nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0)
    ours = nn.TransformerEncoder(layer, 3, norm=nn.LayerNorm(E))
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=16, dropout=0.0),
                                         3, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    assert ours.layers[0] is not ours.layers[1]
    check_module(ours, theirs, [(L, N, E)], dtype="float64", kwargs=dict(mask=_causal(L).double()), device=device)
    ours = nn.Transformer(E, HEADS, 2, 2, dim_feedforward=16, dropout=0.0)
    theirs = torch.nn.Transformer(E, HEADS, 2, 2, dim_feedforward=16, dropout=0.0)
    check_module(ours, theirs, [(S, N, E), (L, N, E)], dtype="float64",
                 kwargs=dict(tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(L).double()), device=device)
    assert repr(ours) == repr(theirs)


def test_generate_square_subsequent_mask():
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    assert_close(ours, torch.nn.Transformer.generate_square_subsequent_mask(4), "float32")


def test_transformer_argument_errors():
    model = nn.Transformer(E, HEADS, 1, 1, dim_feedforward=8)
    with pytest.raises(RuntimeError, match="batch number"):
        model(axonml.randn(S, N, E), axonml.randn(L, N + 1, E))
    with pytest.raises(RuntimeError, match="feature number"):
        model(axonml.randn(S, N, E), axonml.randn(L, N, E + 1))
