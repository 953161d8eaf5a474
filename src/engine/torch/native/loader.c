/*
 * rzero_torch.node: the module JavaScript loads. It sets the environment libtorch's OpenMP runtime
 * reads once, when it is loaded, then loads rzero_torch_impl.node (the kernels, linked against
 * libtorch) from its own folder and hands it the module's exports.
 *
 * OMP_WAIT_POLICY=PASSIVE (unless already set): with the default policy, OpenMP's threads spin
 * after every parallel region and starve OpenBLAS's threads of the same cores; measured on the
 * 20m GRPO step with 2 threads on 2 cores: 370 tokens/s spinning, 943 passive. Node worker threads
 * keep a private copy of process.env, so this cannot be done from JavaScript there.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

typedef napi_value (*init_fn)(napi_env, napi_value);

static napi_value fail(napi_env env, const char *what, const char *why) {
  char msg[1024];
  snprintf(msg, sizeof msg, "%s: %s", what, why ? why : "unknown error");
  napi_throw_error(env, NULL, msg);
  return NULL;
}

NAPI_MODULE_INIT() {
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  Dl_info self;
  if (!dladdr((void *)&fail, &self) || !self.dli_fname) return fail(env, "rzero torch loader", "cannot locate itself");
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s", self.dli_fname);
  char *slash = strrchr(path, '/');
  if (!slash) return fail(env, "rzero torch loader", "no folder in its own path");
  snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path), "rzero_torch_impl.node");
  void *impl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!impl) {
    /* dlerror names the missing library (libtorch_cpu.so, ...); drop the folder of our own file. */
    const char *err = dlerror();
    const char *tail = err ? strstr(err, "rzero_torch_impl.node: ") : NULL;
    return fail(env, "cannot load the kernels", tail ? tail + strlen("rzero_torch_impl.node: ") : err);
  }
  init_fn init = (init_fn)dlsym(impl, "rzero_torch_init");
  if (!init) return fail(env, "rzero_torch_impl.node", "no rzero_torch_init");
  return init(env, exports);
}
