"""Independent plain-PyTorch reference for Llama / Qwen2 / Qwen3 causal LMs.

Written from the published architecture descriptions (pre-norm decoder,
RMSNorm, rotary position embeddings in the rotate-half convention,
grouped-query attention, SwiGLU MLP). Parameter names follow the Hugging Face
checkpoints so that state dicts load/save without renaming. Everything runs
in float32.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

SUPPORTED = ("LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM")


class Config:
    def __init__(self, d):
        archs = d.get("architectures") or ["LlamaForCausalLM"]
        self.arch = archs[0]
        if self.arch not in SUPPORTED:
            raise ValueError("unsupported architecture %r" % self.arch)
        self.hidden = int(d["hidden_size"])
        self.inter = int(d["intermediate_size"])
        self.layers = int(d["num_hidden_layers"])
        self.heads = int(d["num_attention_heads"])
        kv = d.get("num_key_value_heads")
        self.kv_heads = int(kv) if kv is not None else self.heads
        if self.heads % self.kv_heads:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")
        hd = d.get("head_dim")
        self.head_dim = int(hd) if hd is not None else self.hidden // self.heads
        self.vocab = int(d["vocab_size"])
        self.eps = float(d.get("rms_norm_eps", 1e-6))
        self.theta = float(d.get("rope_theta", 10000.0))
        self.tie = bool(d.get("tie_word_embeddings", False))
        self.init_std = float(d.get("initializer_range", 0.02))
        act = d.get("hidden_act", "silu")
        if act != "silu":
            raise ValueError("unsupported hidden_act %r" % act)
        rs = d.get("rope_scaling")
        if rs and (rs.get("rope_type") or rs.get("type")) not in (None, "default"):
            raise NotImplementedError("rope_scaling %r not implemented" % (rs,))
        if self.arch == "Qwen2ForCausalLM":
            self.qkv_bias, self.o_bias = True, False
        else:
            ab = bool(d.get("attention_bias", False))
            self.qkv_bias, self.o_bias = ab, ab
        self.mlp_bias = bool(d.get("mlp_bias", False))
        self.qk_norm = self.arch == "Qwen3ForCausalLM"


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim, dtype=torch.float32))
        self.eps = eps

    def forward(self, x):
        x = x.float()
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_cos_sin(position_ids, head_dim, theta):
    """position_ids [B,T] (int) -> cos, sin [B,1,T,head_dim]."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    angles = position_ids.float()[..., None] * inv_freq  # [B,T,hd/2]
    emb = torch.cat((angles, angles), dim=-1)
    return emb.cos()[:, None], emb.sin()[:, None]


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


def position_ids_from_mask(mask):
    """cumsum(mask)-1 clamped at 0: left padding does not shift positions."""
    return (mask.long().cumsum(-1) - 1).clamp(min=0)


def attention_bias(mask, q_len, past_len):
    """Additive bias [B,1,q_len,S]; key j visible to query i iff
    (j <= i and mask[b,j] == 1) or j == i, with i the absolute index."""
    B, S = mask.shape
    qi = torch.arange(q_len) + past_len
    kj = torch.arange(S)
    visible = (kj[None, :] <= qi[:, None])[None] & mask.bool()[:, None, :]
    visible = visible | (kj[None, :] == qi[:, None])[None]
    bias = torch.zeros(B, q_len, S, dtype=torch.float32)
    bias.masked_fill_(~visible, float("-inf"))
    return bias[:, None]


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.q_proj = nn.Linear(c.hidden, c.heads * c.head_dim, bias=c.qkv_bias)
        self.k_proj = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=c.qkv_bias)
        self.v_proj = nn.Linear(c.hidden, c.kv_heads * c.head_dim, bias=c.qkv_bias)
        self.o_proj = nn.Linear(c.heads * c.head_dim, c.hidden, bias=c.o_bias)
        if c.qk_norm:
            self.q_norm = RMSNorm(c.head_dim, c.eps)
            self.k_norm = RMSNorm(c.head_dim, c.eps)

    def forward(self, x, cos, sin, bias, past=None):
        c = self.c
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, c.heads, c.head_dim)
        k = self.k_proj(x).view(B, T, c.kv_heads, c.head_dim)
        v = self.v_proj(x).view(B, T, c.kv_heads, c.head_dim)
        if c.qk_norm:  # Qwen3: per-head RMSNorm before rotary
            q = self.q_norm(q)
            k = self.k_norm(k)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B,h,T,hd]
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        if past is not None:
            k = torch.cat((past[0], k), dim=2)
            v = torch.cat((past[1], v), dim=2)
        present = (k, v)
        rep = c.heads // c.kv_heads
        if rep > 1:  # kv head h serves query heads h*rep .. h*rep+rep-1
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(c.head_dim) + bias
        probs = torch.softmax(scores.float(), dim=-1)
        out = (probs @ v).transpose(1, 2).reshape(B, T, c.heads * c.head_dim)
        return self.o_proj(out), present


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden, c.inter, bias=c.mlp_bias)
        self.up_proj = nn.Linear(c.hidden, c.inter, bias=c.mlp_bias)
        self.down_proj = nn.Linear(c.inter, c.hidden, bias=c.mlp_bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden, c.eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden, c.eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, bias, past=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, bias, past)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab, c.hidden)
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c.layers)])
        self.norm = RMSNorm(c.hidden, c.eps)


class CausalLM(nn.Module):
    def __init__(self, config_dict):
        super().__init__()
        self.config = Config(config_dict)
        c = self.config
        self.model = Backbone(c)
        if not c.tie:
            self.lm_head = nn.Linear(c.hidden, c.vocab, bias=False)
        self.float()

    def init_random(self, seed=0):
        """N(0, initializer_range) for matrices/embeddings, zeros for biases, ones for norms."""
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("norm.weight"):
                    p.fill_(1.0)
                elif name.endswith(".bias"):
                    p.zero_()
                else:
                    p.copy_(torch.randn(p.shape, generator=g) * self.config.init_std)
        return self

    def output_weight(self):
        return self.model.embed_tokens.weight if self.config.tie else self.lm_head.weight

    def forward(self, input_ids, attention_mask=None, position_ids=None, past=None):
        """input_ids [B,T]; attention_mask [B, past_len+T] (0/1, default ones);
        position_ids [B,T] (default cumsum(mask)-1 clamped, over the new part);
        past: list of per-layer (k, v) [B,kv_heads,past_len,head_dim] or None.
        Returns (logits [B,T,V] float32, present cache)."""
        B, T = input_ids.shape
        past_len = 0 if past is None else past[0][0].shape[2]
        if attention_mask is None:
            attention_mask = torch.ones(B, past_len + T, dtype=torch.long)
        if attention_mask.shape[1] != past_len + T:
            raise ValueError("attention_mask must cover past + new tokens")
        if position_ids is None:
            position_ids = position_ids_from_mask(attention_mask)[:, past_len:]
        c = self.config
        cos, sin = rope_cos_sin(position_ids, c.head_dim, c.theta)
        bias = attention_bias(attention_mask, T, past_len)
        h = self.model.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.model.layers):
            h, pr = layer(h, cos, sin, bias, None if past is None else past[i])
            presents.append(pr)
        h = self.model.norm(h)
        logits = h @ self.output_weight().t()
        return logits, presents

    def load_hf_state(self, tensors):
        """Load dict HF-name -> array/tensor; lm_head.weight ignored when tied."""
        own = dict(self.named_parameters())
        extra = [k for k in tensors if k not in own and not (k == "lm_head.weight" and self.config.tie)]
        missing = [k for k in own if k not in tensors]
        if extra or missing:
            raise KeyError("state mismatch: missing=%s unexpected=%s" % (missing, extra))
        with torch.no_grad():
            for k, p in own.items():
                t = torch.as_tensor(tensors[k], dtype=torch.float32)
                if tuple(t.shape) != tuple(p.shape):
                    raise ValueError("%s: shape %s != %s" % (k, tuple(t.shape), tuple(p.shape)))
                p.copy_(t)
        return self

    def hf_state(self):
        return {k: p.detach().float().cpu().numpy() for k, p in self.named_parameters()}


def _pick(logits, do_sample, temperature, top_k, generator):
    if not do_sample:
        return logits.argmax(-1)
    logits = logits / max(temperature, 1e-6)
    if top_k and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator)[:, 0]


@torch.no_grad()
def generate(model, input_ids, attention_mask=None, max_new_tokens=16, do_sample=False,
             temperature=1.0, top_k=0, seed=0):
    """Prefill the (left-padded) batch, then decode one token per step with the
    KV cache; the new token of each row gets position last_position+1.
    Fixed length (no EOS stopping). Returns new tokens [B, max_new_tokens]."""
    B, T = input_ids.shape
    if attention_mask is None:
        attention_mask = torch.ones(B, T, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    pos = position_ids_from_mask(attention_mask)
    logits, cache = model(input_ids, attention_mask, pos)
    last = pos[:, -1]
    nxt = _pick(logits[:, -1], do_sample, temperature, top_k, gen)
    out = [nxt]
    mask = attention_mask
    for _ in range(max_new_tokens - 1):
        mask = torch.cat((mask, torch.ones(B, 1, dtype=mask.dtype)), dim=1)
        last = last + 1
        logits, cache = model(nxt[:, None], mask, last[:, None], cache)
        nxt = _pick(logits[:, -1], do_sample, temperature, top_k, gen)
        out.append(nxt)
    return torch.stack(out, dim=1)


def token_logprobs(logits, tokens):
    """log_softmax(logits)[..., tokens] -> same shape as tokens."""
    return torch.log_softmax(logits.float(), -1).gather(-1, tokens[..., None])[..., 0]
