"""Load a `routeval export litellm` config with LiteLLM itself and route through it.

    python litellm_roundtrip.py CONFIG.yaml

The simulator the config points at must be running, and the key variable the config
names (`os.environ/NAME`) must hold the key it requires. Checks, each a line on stdout:

- the file names every key by its variable and holds no key;
- LiteLLM's Router, built from `model_list` and `router_settings.fallbacks`, answers
  each workflow from the model its entry names (or one of the entry's OpenRouter
  `models`, which OpenRouter may fall back on by itself), through a provider its
  `provider.only` allows, with the cost its `model_info` prices give;
- with the primary made to fail (`mock_testing_fallbacks`), the answer comes from the
  workflow's first fallback entry;
- a wrong key in the variable is refused: the key is read from the environment;
- LiteLLM's proxy reads the same file with its own config loader into a router with
  the same deployments and fallbacks, which answers a workflow too.

Exits 1 on the first failed check, 0 when all pass.
"""

import asyncio
import math
import os
import sys

# LiteLLM reads its model price map from the network unless told to use its own copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
import yaml  # noqa: E402

FALLBACK = "--fallback-"
passed = 0


def check(ok, what):
    global passed
    if not ok:
        print(f"FAIL: {what}", flush=True)
        sys.exit(1)
    passed += 1
    print(f"ok: {what}", flush=True)


def model_of(entry):
    """The model id an entry asks its endpoint for (`openrouter/ID` or `openai/ID`)."""
    return entry["litellm_params"]["model"].split("/", 1)[1]


def served_models(entry):
    """The models an answer to this entry may come from: its own, then its OpenRouter
    `models` fallbacks."""
    extra = entry["litellm_params"].get("extra_body") or {}
    return [model_of(entry)] + list(extra.get("models") or [])


def provider_allowed(entry, response):
    """Whether the provider that served (OpenRouter's `provider` field, which LiteLLM
    keeps) is one the entry's `provider.only` allows: the preferences in `extra_body`
    reached the endpoint. True when the entry pins no provider."""
    extra = entry["litellm_params"].get("extra_body") or {}
    only = (extra.get("provider") or {}).get("only")
    if not only:
        return True
    served = (getattr(response, "provider", None) or "").lower().replace(" ", "")
    return any(served.startswith(slug.lower()) for slug in only)


def ask(router, alias, **kwargs):
    return router.completion(
        model=alias,
        messages=[{"role": "user", "content": f"Say hello to the {alias} workflow."}],
        **kwargs,
    )


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cfg = yaml.safe_load(text)
    model_list = cfg["model_list"]
    fallbacks = cfg["router_settings"]["fallbacks"]
    entries = {e["model_name"]: e for e in model_list}
    aliases = [name for name in entries if FALLBACK not in name]
    check(aliases, f"{len(aliases)} workflows, {len(model_list)} entries")

    key_vars = set()
    for e in model_list:
        key = e["litellm_params"].get("api_key", "")
        check(key.startswith("os.environ/"), f"{e['model_name']}: the key is named by its variable")
        key_vars.add(key.removeprefix("os.environ/"))
    for var in key_vars:
        value = os.environ.get(var)
        check(value, f"{var} is set for the check")
        check(value not in text, f"the value of {var} is nowhere in the file")

    chains = {}
    for group in fallbacks:
        for alias, steps in group.items():
            check(alias in entries and all(s in entries for s in steps),
                  f"{alias}: every fallback is an entry of model_list")
            chains[alias] = steps

    router = litellm.Router(model_list=model_list, fallbacks=fallbacks, num_retries=4)
    for alias in aliases:
        entry = entries[alias]
        response = ask(router, alias)
        check(response.model in served_models(entry),
              f"{alias}: answered by {response.model}, as its entry names")
        check(provider_allowed(entry, response),
              f"{alias}: served by {getattr(response, 'provider', None)}, a provider its entry allows")
        info = entry["model_info"]
        if "input_cost_per_token" in info:
            usage = response.usage
            want = (usage.prompt_tokens * info["input_cost_per_token"]
                    + usage.completion_tokens * info["output_cost_per_token"])
            got = response._hidden_params.get("response_cost")
            check(got is not None and math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12),
                  f"{alias}: LiteLLM prices the answer at {got} USD, as model_info says ({want})")

    for alias, steps in chains.items():
        response = ask(router, alias, mock_testing_fallbacks=True)
        check(response.model in served_models(entries[steps[0]]),
              f"{alias}: with its primary failing, answered by {response.model} ({steps[0]})")

    first = aliases[0]
    var = entries[first]["litellm_params"]["api_key"].removeprefix("os.environ/")
    right = os.environ[var]
    os.environ[var] = right + "-wrong"
    try:
        wrong = litellm.Router(model_list=[entries[first]], num_retries=0)
        refused = False
        try:
            ask(wrong, first)
        except litellm.AuthenticationError:
            refused = True
        check(refused, f"{first}: a wrong key in {var} is refused")
    finally:
        os.environ[var] = right

    asyncio.run(proxy(path, entries, chains, first))
    print(f"litellm: {passed} passed, 0 failed", flush=True)


async def proxy(path, entries, chains, alias):
    """The proxy's own config loader on the same file."""
    from litellm.proxy.proxy_server import ProxyConfig

    router, model_list, _general = await ProxyConfig().load_config(router=None, config_file_path=path)
    names = sorted(d["model_name"] for d in router.model_list)
    check(names == sorted(entries), f"the proxy's loader reads {len(names)} deployments, one per entry")
    loaded = {k: v for group in (router.fallbacks or []) for k, v in group.items()}
    check(loaded == chains, "the proxy's loader reads the same fallbacks")
    response = await router.acompletion(
        model=alias, messages=[{"role": "user", "content": "Hello through the proxy's router."}]
    )
    check(response.model in served_models(entries[alias]),
          f"{alias}: the proxy's router answers from {response.model}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
