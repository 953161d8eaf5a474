"""CLI: /usr/bin/python3 test/reference/run.py --dir D --task logits|adamw|generate|bench

D/config.json (HF config), D/model.safetensors (F32/F16/BF16), D/inputs.json.
logits   -> D/out.safetensors {"logits": [B,T,V]}
adamw    -> D/out.safetensors (all params after one AdamW step, HF names),
            D/out.json {"loss", "grad_norm"}
generate -> D/out.json {"tokens": [[...]]}   (KV-cache decoding)
grpo     -> D/out.safetensors (all params after the step's updates, HF names),
            D/out.json {"updates": [{"loss", "pg_loss", "kl", "clipfrac_higher",
            "clipfrac_lower", "grad_norm"}, ...]}   (one training step of the official code)
bench    -> one JSON line on stdout
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.dont_write_bytecode = True  # keep test/reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np as st  # noqa: E402
from model import CausalLM, generate, position_ids_from_mask, token_logprobs  # noqa: E402


def load_model(d, need_weights=True):
    with open(os.path.join(d, "config.json")) as f:
        model = CausalLM(json.load(f))
    path = os.path.join(d, "model.safetensors")
    if os.path.exists(path):
        model.load_hf_state(st.load(path)[0])
    elif need_weights:
        raise FileNotFoundError(path)
    else:
        model.init_random(0)
    return model


def ids_and_mask(inp):
    ids = torch.tensor(inp["input_ids"], dtype=torch.long)
    mask = inp.get("attention_mask")
    mask = torch.ones_like(ids) if mask is None else torch.tensor(mask, dtype=torch.long)
    return ids, mask


def task_logits(d, inp):
    model = load_model(d)
    ids, mask = ids_and_mask(inp)
    with torch.no_grad():
        logits, _ = model(ids, mask)
    st.save(os.path.join(d, "out.safetensors"), {"logits": logits.numpy()})


def task_adamw(d, inp):
    model = load_model(d)
    ids, mask = ids_and_mask(inp)
    targets = torch.tensor(inp["targets"], dtype=torch.long)
    lmask = torch.tensor(inp["loss_mask"], dtype=torch.float32)
    logits, _ = model(ids, mask)
    nll = -token_logprobs(logits, targets)
    loss = (nll * lmask).sum() / lmask.sum()
    loss.backward()
    params = list(model.parameters())
    gnorm = torch.nn.utils.clip_grad_norm_(params, float(inp["max_grad_norm"]))
    b1, b2 = inp.get("betas", [0.9, 0.999])
    opt = torch.optim.AdamW(params, lr=float(inp["lr"]), betas=(float(b1), float(b2)),
                            eps=float(inp.get("eps", 1e-8)),
                            weight_decay=float(inp.get("weight_decay", 0.0)))
    opt.step()
    st.save(os.path.join(d, "out.safetensors"), model.hf_state())
    with open(os.path.join(d, "out.json"), "w") as f:
        json.dump({"loss": float(loss.item()), "grad_norm": float(gnorm.item())}, f)


def response_logprobs(model, prompt, response, temperature):
    """log p(response | prompt) per response token, one unpadded row (no packing, no cache)."""
    ids = torch.tensor([prompt + response], dtype=torch.long)
    logits, _ = model(ids, torch.ones_like(ids))
    p = len(prompt)
    return token_logprobs(logits[0, p - 1:p + len(response) - 1] / temperature,
                          torch.tensor(response, dtype=torch.long))


def task_grpo(d, inp):
    """A rollout batch, then one pass in mini-batches of rows_per_update rows, one AdamW update
    each (verl dp_actor.update_policy: dual-clip PPO loss + low_var_kl, gradient-norm clip)."""
    model = load_model(d)
    params = list(model.parameters())
    b1, b2 = inp.get("betas", [0.9, 0.999])
    opt = torch.optim.AdamW(params, lr=float(inp["lr"]), betas=(float(b1), float(b2)),
                            eps=float(inp.get("eps", 1e-8)),
                            weight_decay=float(inp.get("weight_decay", 0.0)))
    lo, hi = 1 - float(inp["clip_low"]), 1 + float(inp["clip_high"])
    dual, beta, temp = float(inp["dual_clip"]), float(inp["kl_coef"]), float(inp["temperature"])
    prompts, responses = inp["prompts"], inp["responses"]
    n, step = len(prompts), int(inp["rows_per_update"])
    updates = []
    for s in range(0, n, step):
        rows = range(s, min(s + step, n))
        tok_loss, tok_pg, tok_kl, tok_hi, tok_lo = [], [], [], [], []
        for i in rows:
            logp = response_logprobs(model, prompts[i], responses[i], temp)
            old = torch.tensor(inp["old_logp"][i], dtype=torch.float32)
            adv = torch.full_like(logp, float(inp["advantages"][i]))
            ratio = torch.exp(logp - old)
            l1, l2 = -adv * ratio, -adv * torch.clamp(ratio, lo, hi)
            lmax = torch.max(l1, l2)
            pg = torch.where(adv < 0, torch.min(lmax, -adv * dual), lmax)
            kl = torch.zeros_like(logp)
            if beta > 0:
                k = torch.tensor(inp["ref_logp"][i], dtype=torch.float32) - logp
                kl = torch.clamp(torch.exp(k) - k - 1, -10, 10)
            tok_pg.append(pg)
            tok_kl.append(kl)
            tok_hi.append((l1 < l2).float())
            tok_lo.append(((lmax > -adv * dual) & (adv < 0)).float())
        if inp["loss_agg"] == "token-mean":
            agg = lambda xs: torch.cat(xs).mean()  # noqa: E731
        else:
            agg = lambda xs: torch.stack([x.mean() for x in xs]).mean()  # noqa: E731
        pg_loss, kl_loss = agg(tok_pg), agg(tok_kl)
        loss = pg_loss + beta * kl_loss
        opt.zero_grad()
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(params, float(inp["max_grad_norm"]))
        opt.step()
        updates.append({"loss": loss.item(), "pg_loss": pg_loss.item(), "kl": kl_loss.item(),
                        "clipfrac_higher": agg(tok_hi).item(),
                        "clipfrac_lower": agg(tok_lo).item(), "grad_norm": gnorm.item()})
    st.save(os.path.join(d, "out.safetensors"), model.hf_state())
    with open(os.path.join(d, "out.json"), "w") as f:
        json.dump({"updates": updates}, f)


def task_generate(d, inp):
    model = load_model(d)
    ids, mask = ids_and_mask(inp)
    toks = generate(model, ids, mask, int(inp.get("max_new_tokens", 16)),
                    do_sample=bool(inp.get("do_sample", False)),
                    temperature=float(inp.get("temperature", 1.0)),
                    top_k=int(inp.get("top_k", 0)), seed=int(inp.get("seed", 0)))
    with open(os.path.join(d, "out.json"), "w") as f:
        json.dump({"tokens": toks.tolist()}, f)


def timed(fn, warmup, repeats):
    sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def task_bench(d, inp):
    if inp.get("threads"):
        torch.set_num_threads(int(inp["threads"]))
    if inp.get("device", "cpu") != "cpu":
        # Every factory call (weights, masks, rotary tables) then lands on the GPU (PyTorch >= 2.0).
        torch.set_default_device(inp["device"])
    torch.manual_seed(0)
    model = load_model(d, need_weights=False)
    V = model.config.vocab
    B, P, N, T = (int(inp[k]) for k in ("batch", "prompt_len", "new_tokens", "train_len"))
    warmup, repeats = int(inp.get("warmup", 1)), int(inp.get("repeats", 3))

    prompt = torch.randint(0, V, (B, P))
    pmask = torch.ones(B, P, dtype=torch.long)
    decode_s = timed(lambda: generate(model, prompt, pmask, N), warmup, repeats)

    # GRPO-style step: logits[:, :-1] score tokens[:, 1:]; old/ref log-probs and
    # advantages are fixed inputs computed once, outside the timed region.
    tokens = torch.randint(0, V, (B, T))
    tmask = torch.ones(B, T, dtype=torch.long)
    lmask = torch.ones(B, T - 1)
    adv = torch.randn(B, 1)
    with torch.no_grad():
        base = token_logprobs(model(tokens, tmask)[0][:, :-1], tokens[:, 1:])
    logp_old = base
    logp_ref = base + 0.01 * torch.randn_like(base)
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=1e-6, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        logits, _ = model(tokens, tmask, position_ids_from_mask(tmask))
        logp = token_logprobs(logits[:, :-1], tokens[:, 1:])
        pg = -adv * torch.exp(logp - logp_old)
        diff = logp_ref - logp
        kl = torch.clamp(torch.exp(diff) - diff - 1.0, -10.0, 10.0)
        loss = ((pg + 0.01 * kl) * lmask).sum() / lmask.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    train_s = timed(step, warmup, repeats)
    print(json.dumps({
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": inp.get("device", "cpu"),
        "decode_tokens_per_s": B * N / decode_s,
        "train_tokens_per_s": B * T / train_s,
        "decode_s": decode_s,
        "train_step_s": train_s,
    }))


TASKS = {"logits": task_logits, "adamw": task_adamw, "generate": task_generate, "bench": task_bench,
         "grpo": task_grpo}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--task", required=True, choices=sorted(TASKS))
    a = ap.parse_args()
    with open(os.path.join(a.dir, "inputs.json")) as f:
        inp = json.load(f)
    TASKS[a.task](a.dir, inp)


if __name__ == "__main__":
    main()
