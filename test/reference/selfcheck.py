"""Hand-run consistency checks for the reference: /usr/bin/python3 test/reference/selfcheck.py"""

import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep test/reference free of __pycache__
sys.path.insert(0, HERE)
import safetensors_np as st  # noqa: E402
from model import CausalLM, generate, position_ids_from_mask  # noqa: E402

BASE = {"hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 50,
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": False}


def cfg(arch, **kw):
    d = dict(BASE, architectures=[arch])
    d.update(kw)
    return d


def mk(arch, seed=0, **kw):
    m = CausalLM(cfg(arch, **kw)).init_random(seed)
    with torch.no_grad():  # non-trivial norms / biases
        g = torch.Generator().manual_seed(seed + 100)
        for n, p in m.named_parameters():
            if n.endswith("norm.weight"):
                p.copy_(1 + 0.3 * torch.randn(p.shape, generator=g))
            elif n.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
    return m


def close(a, b, tol=1e-5):
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    err = (a.double() - b.double()).abs().max().item()
    assert err <= tol * (1 + b.double().abs().max().item()), err
    return err


def naive_logits(m, ids, mask):
    """Loop-based float64 forward straight from the formulas (one row at a time)."""
    c = m.config
    P = {k: v.detach().double() for k, v in m.named_parameters()}
    out = []
    for b in range(ids.shape[0]):
        T = ids.shape[1]
        pos, cnt = [], 0
        for t in range(T):
            cnt += int(mask[b, t])
            pos.append(max(cnt - 1, 0))
        x = P["model.embed_tokens.weight"][ids[b]]

        def rms(v, w):
            return v / torch.sqrt((v * v).mean(-1, keepdim=True) + c.eps) * w

        def lin(v, name):
            y = v @ P[name + ".weight"].t()
            return y + P[name + ".bias"] if name + ".bias" in P else y

        def rope(v, p):  # v [hd]
            h = c.head_dim // 2
            r = v.clone()
            for i in range(h):
                ang = p / (c.theta ** (2 * i / c.head_dim))
                co, si = math.cos(ang), math.sin(ang)
                r[i] = v[i] * co - v[i + h] * si
                r[i + h] = v[i + h] * co + v[i] * si
            return r

        for li in range(c.layers):
            pre = "model.layers.%d." % li
            hn = rms(x, P[pre + "input_layernorm.weight"])
            q = lin(hn, pre + "self_attn.q_proj").view(T, c.heads, c.head_dim)
            k = lin(hn, pre + "self_attn.k_proj").view(T, c.kv_heads, c.head_dim)
            v = lin(hn, pre + "self_attn.v_proj").view(T, c.kv_heads, c.head_dim)
            if c.qk_norm:
                q = rms(q, P[pre + "self_attn.q_norm.weight"])
                k = rms(k, P[pre + "self_attn.k_norm.weight"])
            att = torch.zeros(T, c.heads, c.head_dim, dtype=torch.float64)
            rep = c.heads // c.kv_heads
            for hh in range(c.heads):
                kvh = hh // rep
                for i in range(T):
                    qi = rope(q[i, hh], pos[i])
                    js = [j for j in range(T) if (j <= i and mask[b, j]) or j == i]
                    s = torch.stack([qi @ rope(k[j, kvh], pos[j]) for j in js]) / math.sqrt(c.head_dim)
                    w = torch.softmax(s, 0)
                    att[i, hh] = sum(w[n] * v[j, kvh] for n, j in enumerate(js))
            x = x + lin(att.reshape(T, -1), pre + "self_attn.o_proj")
            hn = rms(x, P[pre + "post_attention_layernorm.weight"])
            g = lin(hn, pre + "mlp.gate_proj")
            x = x + lin(g * torch.sigmoid(g) * lin(hn, pre + "mlp.up_proj"), pre + "mlp.down_proj")
        x = rms(x, P["model.norm.weight"])
        W = P["model.embed_tokens.weight"] if c.tie else P["lm_head.weight"]
        out.append(x @ W.t())
    return torch.stack(out)


def main():
    torch.manual_seed(0)
    ids = torch.randint(0, 50, (3, 7))
    mask = torch.ones(3, 7, dtype=torch.long)
    mask[1, :3] = 0
    mask[2, :1] = 0

    # 1. against a naive loop implementation, every architecture, with padding
    for arch, kw in [("LlamaForCausalLM", {}), ("Qwen2ForCausalLM", {}),
                     ("Qwen3ForCausalLM", {"head_dim": 12}), ("LlamaForCausalLM", {"tie_word_embeddings": True})]:
        m = mk(arch, **kw)
        with torch.no_grad():
            got = m(ids, mask)[0]
        ref = naive_logits(m, ids, mask)
        print("naive", arch, kw, "err %.2e" % close(got, ref, 1e-5))
        assert torch.isfinite(got).all()

    # 2. parameter names
    names = set(dict(mk("Qwen2ForCausalLM").named_parameters()))
    assert "model.layers.0.self_attn.q_proj.bias" in names and "model.layers.0.self_attn.o_proj.bias" not in names
    names3 = set(dict(mk("Qwen3ForCausalLM", tie_word_embeddings=True).named_parameters()))
    assert "model.layers.1.self_attn.k_norm.weight" in names3 and "lm_head.weight" not in names3
    assert mk("Qwen3ForCausalLM", head_dim=12).model.layers[0].self_attn.q_proj.weight.shape == (48, 32)

    # 3. left padding == unpadded at valid positions
    m = mk("Qwen3ForCausalLM", head_dim=12)
    with torch.no_grad():
        full = m(ids, mask)[0]
        for b in range(3):
            n = int(mask[b].sum())
            alone = m(ids[b:b + 1, -n:])[0]
            close(full[b, -n:], alone[0], 1e-5)
    print("left padding ok")

    # 4. KV-cache greedy == full recomputation (left-padded batch)
    for arch in ("LlamaForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        m = mk(arch, 3)
        toks = generate(m, ids, mask, 10)
        cur, cm = ids, mask
        with torch.no_grad():
            for s in range(10):
                nxt = m(cur, cm)[0][:, -1].argmax(-1)
                assert torch.equal(nxt, toks[:, s]), (arch, s)
                cur = torch.cat((cur, nxt[:, None]), 1)
                cm = torch.cat((cm, torch.ones(3, 1, dtype=torch.long)), 1)
        s1 = generate(m, ids, mask, 10, do_sample=True, temperature=0.8, top_k=5, seed=7)
        s2 = generate(m, ids, mask, 10, do_sample=True, temperature=0.8, top_k=5, seed=7)
        assert torch.equal(s1, s2)
    print("kv cache ok")

    # 5. GQA == MHA with duplicated kv heads; kv_heads default = heads
    g = mk("LlamaForCausalLM", 5)
    mha = CausalLM(cfg("LlamaForCausalLM", num_key_value_heads=4))
    st_ = g.hf_state()
    for k in list(st_):
        if "k_proj" in k or "v_proj" in k:
            st_[k] = np.repeat(st_[k].reshape(2, 8, -1), 2, axis=0).reshape(32, -1)
    mha.load_hf_state(st_)
    with torch.no_grad():
        close(g(ids, mask)[0], mha(ids, mask)[0], 1e-5)
    d = cfg("LlamaForCausalLM")
    del d["num_key_value_heads"]
    assert CausalLM(d).config.kv_heads == 4
    print("gqa ok")

    # 6. tied vs untied
    t = mk("LlamaForCausalLM", 6, tie_word_embeddings=True)
    u = CausalLM(cfg("LlamaForCausalLM"))
    s = t.hf_state()
    assert "lm_head.weight" not in s
    s["lm_head.weight"] = s["model.embed_tokens.weight"]
    u.load_hf_state(s)
    t.load_hf_state(s)  # extra lm_head ignored when tied
    with torch.no_grad():
        close(t(ids, mask)[0], u(ids, mask)[0], 1e-6)
    print("tie ok")

    # 7. Qwen3 norms matter
    q = mk("Qwen3ForCausalLM", 8)
    with torch.no_grad():
        a = q(ids, mask)[0]
        q.model.layers[0].self_attn.q_norm.weight.mul_(1.5)
        assert (q(ids, mask)[0] - a).abs().max() > 1e-3
        q.model.layers[0].self_attn.q_norm.weight.div_(1.5)
        q.model.layers[0].self_attn.k_norm.weight.mul_(1.5)
        assert (q(ids, mask)[0] - a).abs().max() > 1e-3
    print("qwen3 norms ok")

    # 8. finite-difference gradient spot check
    m = mk("Qwen2ForCausalLM", 9)
    tgt = torch.randint(0, 50, ids.shape)

    def loss_fn():
        lp = torch.log_softmax(m(ids, mask)[0], -1).gather(-1, tgt[..., None])[..., 0]
        return -(lp * mask).sum() / mask.sum()

    loss_fn().backward()
    for name, idx in [("model.layers.0.self_attn.q_proj.bias", (3,)),
                      ("model.layers.1.self_attn.k_proj.weight", (2, 5)),
                      ("model.layers.0.self_attn.q_proj.weight", (1, 1)),
                      ("model.norm.weight", (4,))]:
        p = dict(m.named_parameters())[name]
        h = 1e-2
        with torch.no_grad():
            p[idx] += h
            lp_ = loss_fn().item()
            p[idx] -= 2 * h
            lm_ = loss_fn().item()
            p[idx] += h
        fd = (lp_ - lm_) / (2 * h)
        an = p.grad[idx].item()
        assert abs(fd - an) <= 2e-3 + 2e-2 * abs(an), (name, fd, an)
    print("grad ok")

    # 9. safetensors: F32 round trip, F16/BF16 read
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "a.safetensors")
        x = np.random.RandomState(0).randn(3, 5).astype(np.float32)
        st.save(path, {"x": x, "s": np.float32(2.5)}, {"format": "pt"})
        back, meta = st.load(path)
        assert np.array_equal(back["x"], x) and back["s"].shape == () and meta == {"format": "pt"}
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
        assert n % 8 == 0
        h16 = x.astype(np.float16).tobytes()
        bf = (x.view(np.uint32) >> 16).astype(np.uint16).tobytes()
        hdr = json.dumps({"h": {"dtype": "F16", "shape": [3, 5], "data_offsets": [0, 30]},
                          "b": {"dtype": "BF16", "shape": [3, 5], "data_offsets": [30, 60]}}).encode()
        with open(path, "wb") as f:
            f.write(len(hdr).to_bytes(8, "little") + hdr + h16 + bf)
        back, _ = st.load(path)
        assert np.array_equal(back["h"], x.astype(np.float16).astype(np.float32))
        assert np.abs(back["b"] - x).max() < 1e-2 and back["b"].dtype == np.float32
    print("safetensors ok")

    # 10. CLI logits + adamw (against a hand-written AdamW)
    with tempfile.TemporaryDirectory() as tmp:
        m = mk("Qwen2ForCausalLM", 10, tie_word_embeddings=True)
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(cfg("Qwen2ForCausalLM", tie_word_embeddings=True), f)
        st.save(os.path.join(tmp, "model.safetensors"), m.hf_state())
        inp = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "targets": tgt.tolist(),
               "loss_mask": mask.tolist(), "lr": 1e-2, "betas": [0.9, 0.95], "eps": 1e-8,
               "weight_decay": 0.1, "max_grad_norm": 0.5}
        with open(os.path.join(tmp, "inputs.json"), "w") as f:
            json.dump(inp, f)
        run = [sys.executable, os.path.join(HERE, "run.py"), "--dir", tmp, "--task"]
        subprocess.run(run + ["logits"], check=True)
        with torch.no_grad():
            close(st.load(os.path.join(tmp, "out.safetensors"))[0]["logits"], m(ids, mask)[0], 1e-6)
        subprocess.run(run + ["adamw"], check=True)
        out = st.load(os.path.join(tmp, "out.safetensors"))[0]
        res = json.load(open(os.path.join(tmp, "out.json")))
        logits = m(ids, mask)[0]
        lp = torch.log_softmax(logits, -1).gather(-1, tgt[..., None])[..., 0]
        loss = -(lp * mask).sum() / mask.sum()
        grads = torch.autograd.grad(loss, list(m.parameters()))
        norm = torch.sqrt(sum((g_ * g_).sum() for g_ in grads)).item()
        coef = min(1.0, 0.5 / (norm + 1e-6))
        assert abs(res["loss"] - loss.item()) < 1e-5 and abs(res["grad_norm"] - norm) < 1e-4 * norm, (res, norm)
        assert norm > 0.5
        assert set(out) == set(dict(m.named_parameters()))
        for (n_, p), g_ in zip(m.named_parameters(), grads):
            g_ = g_ * coef
            mom, var = 0.1 * g_, 0.05 * g_ * g_
            new = p.detach() * (1 - 1e-2 * 0.1) - 1e-2 / 0.1 * mom / (var.sqrt() / math.sqrt(0.05) + 1e-8)
            close(out[n_], new, 1e-5)
        print("cli ok loss=%.5f grad_norm=%.5f" % (res["loss"], res["grad_norm"]))

    print("ALL OK")


if __name__ == "__main__":
    main()
