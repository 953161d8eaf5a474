// The native half of the `torch` tfjs backend: tensors live in libtorch (ATen) tensors held in a
// per-thread slot table; JavaScript sees only integer slot ids. Every kernel takes slot ids and
// attributes, runs ATen ops on the configured device, stores the result in a new slot and writes
// its dtype and shape into a scratch Int32Array shared with JavaScript (no array is allocated per
// call). The kernels mirror tfjs kernel semantics; src/engine/torch/kernels.ts maps names to them.
//
// This file is rzero_torch_impl.node; JavaScript loads rzero_torch.node (loader.c), which loads it.
// Built by node-gyp against Debian's libtorch-dev (CPU) or a CUDA libtorch (a PyTorch install):
// see scripts/build-torch-addon.sh and docs/engine.md.
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <c10/core/CPUAllocator.h>

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <unordered_map>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

namespace {

// dtype codes shared with kernels.ts
enum DType : int32_t { kF32 = 0, kI32 = 1, kBool = 2 };
constexpr int kMaxRank = 12;


struct State {
  std::vector<at::Tensor> slots;
  std::vector<int32_t> free_slots;
  int64_t live = 0;
  int32_t *scratch = nullptr;  // [dtype, rank, d0, d1, ...]
  Napi::Reference<Napi::Int32Array> scratch_ref;
  at::Device device{at::kCPU};
};

State &state(Napi::Env env) { return *env.GetInstanceData<State>(); }

at::ScalarType scalar_type(int32_t code) {
  switch (code) {
    case kF32: return at::kFloat;
    case kI32: return at::kInt;
    case kBool: return at::kBool;
  }
  throw std::runtime_error("unsupported dtype code " + std::to_string(code));
}

int32_t dtype_code(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return kF32;
    case at::kInt: return kI32;
    case at::kBool: return kBool;
    default: throw std::runtime_error(std::string("unexpected result dtype ") + c10::toString(t));
  }
}

// tfjs has float32, int32 and bool only: wider results of ATen ops are narrowed.
at::Tensor normalize(at::Tensor t) {
  switch (t.scalar_type()) {
    case at::kFloat: case at::kInt: case at::kBool: return t;
    case at::kLong: case at::kShort: case at::kChar: case at::kByte: return t.to(at::kInt);
    default: return t.to(at::kFloat);
  }
}

int32_t store(State &s, at::Tensor t) {
  t = normalize(std::move(t));
  const auto sizes = t.sizes();
  if (sizes.size() > kMaxRank) throw std::runtime_error("rank above 12 is not supported");
  s.scratch[0] = dtype_code(t.scalar_type());
  s.scratch[1] = static_cast<int32_t>(sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) s.scratch[2 + i] = static_cast<int32_t>(sizes[i]);
  int32_t id;
  if (!s.free_slots.empty()) {
    id = s.free_slots.back();
    s.free_slots.pop_back();
    s.slots[id] = std::move(t);
  } else {
    id = static_cast<int32_t>(s.slots.size());
    s.slots.push_back(std::move(t));
  }
  s.live++;
  return id;
}

const at::Tensor &get(State &s, const Napi::Value &v) {
  const int64_t id = v.As<Napi::Number>().Int64Value();
  if (id < 0 || id >= static_cast<int64_t>(s.slots.size()) || !s.slots[id].defined())
    throw std::runtime_error("torch backend: tensor slot " + std::to_string(id) + " is not live");
  return s.slots[id];
}

std::vector<int64_t> int_list(const Napi::Value &v) {
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

std::vector<at::Tensor> tensor_list(State &s, const Napi::Value &v) {
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(get(s, a.Get(i)));
  return out;
}

// Runs `body`, turning C++ exceptions into JavaScript errors (ATen messages without backtraces).
// A Napi::Error here usually means the thread's environment is being torn down (a worker thread
// terminated mid-call): JavaScript can no longer run, so the error is reported if possible and
// dropped otherwise; an exception must never escape into Node (std::terminate, SIGABRT).
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo &info, F body) {
  Napi::Env env = info.Env();
  std::string message;
  try {
    return body(state(env));
  } catch (const Napi::Error &e) {
    message = e.what();
  } catch (const c10::Error &e) {
    const std::string msg = e.what_without_backtrace();
    message = "torch backend: " + msg.substr(0, msg.find('\n'));
  } catch (const std::exception &e) {
    message = e.what();
  }
  try {
    Napi::Error::New(env, message).ThrowAsJavaScriptException();
  } catch (...) {
    // The environment cannot take a JavaScript error any more.
  }
  return Napi::Value();
}

Napi::Value num(Napi::Env env, int32_t v) { return Napi::Number::New(env, v); }


// ---------------------------------------------------------------------------------------------
// A caching CPU allocator. tfjs tensors are immutable, so every kernel allocates its output; the
// same sizes come back every step. glibc returns large blocks to the kernel on free (mmap, or
// heap trimming), and every new one then costs page faults and zeroing: measured on the 20m GRPO
// step, 838 ms without this cache, 610-670 ms with it. Blocks of 64 KiB and more are kept in size
// classes (1/8 of a power of two apart) and reused, up to RZERO_TORCH_CACHE_MB (default: a quarter
// of the machine's memory); smaller ones go to malloc, which keeps them in its own bins.
class CachingCPUAllocator final : public c10::Allocator {
 public:
  static constexpr size_t kHeader = 64;  // keeps c10's 64-byte alignment; holds the class size
  static constexpr size_t kMinCached = 64 * 1024;

  c10::DataPtr allocate(size_t n) const override {
    const size_t cls = size_class(n);
    void *base = nullptr;
    if (cls) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        base = it->second.back();
        it->second.pop_back();
        cached_ -= cls;
      }
    }
    const size_t bytes = (cls ? cls : n) + kHeader;
    if (!base && posix_memalign(&base, 64, bytes) != 0) {
      release_all();
      if (posix_memalign(&base, 64, bytes) != 0) throw std::bad_alloc();
    }
    *static_cast<size_t *>(base) = cls;
    void *data = static_cast<uint8_t *>(base) + kHeader;
    return {data, base, &CachingCPUAllocator::deleter, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &CachingCPUAllocator::deleter; }

  // Never destroyed: tensors can be freed after static destructors have run (a worker thread's
  // environment torn down at process exit), and their deleter must still find the cache.
  static CachingCPUAllocator &instance() {
    static CachingCPUAllocator *a = new CachingCPUAllocator();
    return *a;
  }

  void set_limit(size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    limit_ = bytes;
  }
  size_t cached() const {
    std::lock_guard<std::mutex> lock(mu_);
    return cached_;
  }
  void release_all() const {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto &kv : free_)
      for (void *p : kv.second) std::free(p);
    free_.clear();
    cached_ = 0;
  }

 private:
  static size_t size_class(size_t n) {
    if (n < kMinCached) return 0;
    size_t top = 1;
    while (top * 2 <= n) top *= 2;
    const size_t step = top / 8;
    return (n + step - 1) / step * step;
  }

  static void deleter(void *base) {
    if (!base) return;
    const size_t cls = *static_cast<size_t *>(base);
    auto &a = instance();
    if (cls) {
      std::lock_guard<std::mutex> lock(a.mu_);
      if (a.cached_ + cls <= a.limit_) {
        a.free_[cls].push_back(base);
        a.cached_ += cls;
        return;
      }
    }
    std::free(base);
  }

  mutable std::mutex mu_;
  mutable std::unordered_map<size_t, std::vector<void *>> free_;
  mutable size_t cached_ = 0;
  size_t limit_ = 0;
};

void install_allocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    size_t limit = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE)) / 4;
    if (const char *mb = std::getenv("RZERO_TORCH_CACHE_MB")) limit = std::strtoull(mb, nullptr, 10) << 20;
    CachingCPUAllocator::instance().set_limit(limit);
    c10::SetCPUAllocator(&CachingCPUAllocator::instance(), /*priority=*/100);
  });
}

// ---------------------------------------------------------------------------------------------
// Set-up, data in and out, memory.

Napi::Value Init(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto scratch = info[0].As<Napi::Int32Array>();
    if (scratch.ElementLength() < 2 + kMaxRank) throw std::runtime_error("scratch too small");
    s.scratch_ref = Napi::Persistent(scratch);
    s.scratch = scratch.Data();
    const std::string device = info[1].As<Napi::String>().Utf8Value();
    s.device = at::Device(device);
    if (s.device.is_cuda()) {
      if (!at::hasCUDA()) throw std::runtime_error("this libtorch has no CUDA support or no GPU is visible");
      const int n = at::detail::getCUDAHooks().getNumGPUs();
      if (s.device.has_index() && s.device.index() >= n)
        throw std::runtime_error("CUDA device " + std::to_string(s.device.index()) + " requested, " +
                                 std::to_string(n) + " visible");
      if (!s.device.has_index()) s.device = at::Device(at::kCUDA, 0);
    }
    return info.Env().Undefined();
  });
}

using SetThreadsFn = void (*)(int);

// Intra-op threads for this thread's ATen calls (OpenMP's setting is per calling thread) and for
// OpenBLAS's own pool when the BLAS in use is OpenBLAS.
Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &) -> Napi::Value {
    const int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw std::runtime_error("threads must be >= 1");
    at::set_num_threads(n);
    if (auto f = reinterpret_cast<SetThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
    return Napi::Number::New(info.Env(), at::get_num_threads());
  });
}

Napi::Value Info(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto o = Napi::Object::New(info.Env());
    o.Set("version", TORCH_VERSION);
    o.Set("cuda", at::hasCUDA());
    o.Set("cudaDevices", at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
    o.Set("device", s.device.str());
    o.Set("threads", at::get_num_threads());
    o.Set("blas", dlsym(RTLD_DEFAULT, "openblas_set_num_threads") ? "OpenBLAS" : "other");
    return o;
  });
}

Napi::Value Live(const Napi::CallbackInfo &info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("thread", static_cast<double>(state(info.Env()).live));
  o.Set("cachedBytes", static_cast<double>(CachingCPUAllocator::instance().cached()));
  return o;
}

// (typedArray, shape, dtype) -> id. The array may be of any element type; it is converted.
Napi::Value FromData(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto ta = info[0].As<Napi::TypedArray>();
    auto shape = int_list(info[1]);
    const auto dtype = scalar_type(info[2].As<Napi::Number>().Int32Value());
    at::ScalarType src;
    switch (ta.TypedArrayType()) {
      case napi_float32_array: src = at::kFloat; break;
      case napi_int32_array: src = at::kInt; break;
      case napi_uint8_array: case napi_uint8_clamped_array: src = at::kByte; break;
      case napi_float64_array: src = at::kDouble; break;
      case napi_int8_array: src = at::kChar; break;
      case napi_int16_array: src = at::kShort; break;
      case napi_uint16_array: src = at::kInt; break;
      default: throw std::runtime_error("unsupported typed array for a tensor");
    }
    int64_t numel = 1;
    for (auto d : shape) numel *= d;
    if (static_cast<int64_t>(ta.ElementLength()) != numel)
      throw std::runtime_error("torch backend: " + std::to_string(ta.ElementLength()) +
                               " values for a tensor of " + std::to_string(numel));
    void *data = static_cast<uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    at::Tensor t;
    if (ta.TypedArrayType() == napi_uint16_array) {
      const auto *u = static_cast<const uint16_t *>(data);
      t = at::empty(shape, at::kInt);
      auto *o = t.data_ptr<int32_t>();
      for (int64_t i = 0; i < numel; i++) o[i] = u[i];
    } else {
      t = at::from_blob(data, shape, at::TensorOptions().dtype(src)).clone();
    }
    if (dtype == at::kBool && src != at::kBool) t = t.ne(0);
    else if (t.scalar_type() != dtype) t = t.to(dtype);
    if (!s.device.is_cpu()) t = t.to(s.device);
    return num(info.Env(), store(s, t));
  });
}

// id -> Float32Array | Int32Array | Uint8Array (bool)
Napi::Value Read(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    at::Tensor t = get(s, info[0]).to(at::kCPU).contiguous();
    const size_t bytes = t.numel() * t.element_size();
    auto buf = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes) std::memcpy(buf.Data(), t.data_ptr(), bytes);
    switch (t.scalar_type()) {
      case at::kFloat: return Napi::Float32Array::New(info.Env(), t.numel(), buf, 0);
      case at::kInt: return Napi::Int32Array::New(info.Env(), t.numel(), buf, 0);
      case at::kBool: return Napi::Uint8Array::New(info.Env(), t.numel(), buf, 0);
      default: throw std::runtime_error("unreadable dtype");
    }
  });
}

Napi::Value Release(const Napi::CallbackInfo &info) {
  State &s = state(info.Env());
  const int64_t id = info[0].As<Napi::Number>().Int64Value();
  if (id >= 0 && id < static_cast<int64_t>(s.slots.size()) && s.slots[id].defined()) {
    s.slots[id].reset();
    s.free_slots.push_back(static_cast<int32_t>(id));
    s.live--;
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------
// Kernels. Op codes are shared with kernels.ts (UNARY, BINARY, REDUCE tables there).

at::Tensor unary(int op, const at::Tensor &x) {
  switch (op) {
    case 0: return at::neg(x);
    case 1: return at::exp(x);
    case 2: return at::log(x);
    case 3: return at::sqrt(x);
    case 4: return at::rsqrt(x);
    case 5: return at::square(x);
    case 6: return at::sigmoid(x);
    case 7: return at::abs(x);
    case 8: return at::logical_not(x);
    case 9: return at::relu(x);
    case 10: return at::tanh(x);
    case 11: return at::sign(x);
    case 12: return at::floor(x);
    case 13: return at::ceil(x);
    case 14: return at::reciprocal(x);
    case 15: return at::log1p(x);
    case 16: return at::expm1(x);
    case 17: return at::zeros_like(x);
    case 18: return at::ones_like(x);
    case 19: return at::sin(x);
    case 20: return at::cos(x);
    case 21: return at::softplus(x);
    case 22: return at::erf(x);
    case 23: return at::isnan(x);
    case 24: return at::round(x);  // half to even, as tfjs
  }
  throw std::runtime_error("unknown unary op " + std::to_string(op));
}

Napi::Value Unary(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const int op = info[0].As<Napi::Number>().Int32Value();
    return num(info.Env(), store(s, unary(op, get(s, info[1]))));
  });
}

at::Tensor binary(int op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(a, b);
    case 4: return at::maximum(a, b);
    case 5: return at::minimum(a, b);
    case 6: return at::pow(a, b);
    case 7: return at::square(at::sub(a, b));
    case 8: return at::lt(a, b);
    case 9: return at::le(a, b);
    case 10: return at::gt(a, b);
    case 11: return at::ge(a, b);
    case 12: return at::eq(a, b);
    case 13: return at::ne(a, b);
    case 14: return at::logical_and(a, b);
    case 15: return at::logical_or(a, b);
    case 16: return at::floor_divide(a, b);
    case 17: return at::remainder(a, b);  // tfjs Mod: the sign of the divisor, as Python's %
    case 18: return at::atan2(a, b);
  }
  throw std::runtime_error("unknown binary op " + std::to_string(op));
}

Napi::Value Binary(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const int op = info[0].As<Napi::Number>().Int32Value();
    return num(info.Env(), store(s, binary(op, get(s, info[1]), get(s, info[2]))));
  });
}

// (op, x, axes, keepDims): 0 sum, 1 mean, 2 max, 3 min, 4 prod, 5 any, 6 all, 7 logSumExp
Napi::Value Reduce(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const int op = info[0].As<Napi::Number>().Int32Value();
    at::Tensor x = get(s, info[1]);
    auto axes = int_list(info[2]);
    const bool keep = info[3].As<Napi::Boolean>().Value();
    at::Tensor r;
    if (axes.empty()) {
      r = x.clone();
    } else if (op == 0) {
      r = at::sum(x, axes, keep, x.scalar_type() == at::kBool ? at::kInt : x.scalar_type());
    } else if (op == 1) {
      r = at::mean(x.is_floating_point() ? x : x.to(at::kFloat), axes, keep);
    } else if (op == 2 || op == 3) {
      r = op == 2 ? at::amax(x, axes, keep) : at::amin(x, axes, keep);
    } else if (op == 7) {
      r = at::logsumexp(x, axes, keep);
    } else {
      // prod/any/all over several axes: reduce one at a time, highest first.
      std::sort(axes.begin(), axes.end(), std::greater<int64_t>());
      r = x;
      for (auto a : axes) {
        if (op == 4) r = at::prod(r, a, keep, r.scalar_type() == at::kBool ? at::kInt : r.scalar_type());
        else if (op == 5) r = at::any(r, a, keep);
        else r = at::all(r, a, keep);
      }
    }
    return num(info.Env(), store(s, r));
  });
}

// (op, x, axis): 0 argMax, 1 argMin
Napi::Value ArgReduce(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const int op = info[0].As<Napi::Number>().Int32Value();
    const int64_t axis = info[2].As<Napi::Number>().Int64Value();
    const at::Tensor &x = get(s, info[1]);
    return num(info.Env(), store(s, op == 0 ? at::argmax(x, axis) : at::argmin(x, axis)));
  });
}

// (a, b, transposeA, transposeB): batched, broadcasting over leading dims like tfjs BatchMatMul.
Napi::Value MatMul(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    at::Tensor a = get(s, info[0]);
    at::Tensor b = get(s, info[1]);
    if (info[2].As<Napi::Boolean>().Value()) a = a.transpose(-1, -2);
    if (info[3].As<Napi::Boolean>().Value()) b = b.transpose(-1, -2);
    return num(info.Env(), store(s, at::matmul(a, b)));
  });
}

Napi::Value Transpose(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    return num(info.Env(), store(s, get(s, info[0]).permute(int_list(info[1]))));
  });
}

Napi::Value Reshape(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    return num(info.Env(), store(s, get(s, info[0]).reshape(int_list(info[1]))));
  });
}

Napi::Value Cast(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &x = get(s, info[0]);
    const auto dt = scalar_type(info[1].As<Napi::Number>().Int32Value());
    // float -> int32 truncates toward zero in both; -> bool is x != 0 in both.
    return num(info.Env(), store(s, x.scalar_type() == dt ? x.clone() : x.to(dt)));
  });
}

Napi::Value Clip(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const double lo = info[1].As<Napi::Number>().DoubleValue();
    const double hi = info[2].As<Napi::Number>().DoubleValue();
    return num(info.Env(), store(s, at::clamp(get(s, info[0]), lo, hi)));
  });
}

Napi::Value Select(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    at::Tensor c = get(s, info[0]);
    const at::Tensor &a = get(s, info[1]);
    // tfjs Select: a rank-1 condition picks rows of higher-rank operands.
    if (c.dim() == 1 && a.dim() > 1) {
      std::vector<int64_t> shape(a.dim(), 1);
      shape[0] = c.size(0);
      c = c.reshape(shape);
    }
    return num(info.Env(), store(s, at::where(c.to(at::kBool), a, get(s, info[2]))));
  });
}

// (x, dim)
Napi::Value Softmax(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const int64_t dim = info[1].As<Napi::Number>().Int64Value();
    return num(info.Env(), store(s, at::softmax(get(s, info[0]), dim)));
  });
}

Napi::Value Concat(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    return num(info.Env(), store(s, at::cat(tensor_list(s, info[0]), info[1].As<Napi::Number>().Int64Value())));
  });
}

Napi::Value Stack(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    return num(info.Env(), store(s, at::stack(tensor_list(s, info[0]), info[1].As<Napi::Number>().Int64Value())));
  });
}

Napi::Value AddN(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto xs = tensor_list(s, info[0]);
    at::Tensor acc = xs[0].clone();
    for (size_t i = 1; i < xs.size(); i++) acc.add_(xs[i]);
    return num(info.Env(), store(s, acc));
  });
}

// Multi-output kernels return an array of ids; shapes are computed on the JavaScript side.
Napi::Value ids_array(Napi::Env env, State &s, const std::vector<at::Tensor> &parts) {
  auto out = Napi::Array::New(env, parts.size());
  for (size_t i = 0; i < parts.size(); i++) out.Set(static_cast<uint32_t>(i), store(s, parts[i]));
  return out;
}

Napi::Value Split(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &x = get(s, info[0]);
    return ids_array(info.Env(), s, at::split_with_sizes(x, int_list(info[1]), info[2].As<Napi::Number>().Int64Value()));
  });
}

Napi::Value Unstack(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    return ids_array(info.Env(), s, at::unbind(get(s, info[0]), info[1].As<Napi::Number>().Int64Value()));
  });
}

// (x, begin, size): size -1 means to the end.
Napi::Value Slice(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    at::Tensor x = get(s, info[0]);
    auto begin = int_list(info[1]);
    auto size = int_list(info[2]);
    for (size_t d = 0; d < begin.size(); d++) {
      const int64_t len = size[d] < 0 ? x.size(d) - begin[d] : size[d];
      x = x.narrow(d, begin[d], len);
    }
    return num(info.Env(), store(s, x));
  });
}

// (x, indices, axis, batchDims=0): out = x.shape[:axis] + indices.shape + x.shape[axis+1:]
Napi::Value Gather(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &x = get(s, info[0]);
    const at::Tensor &idx = get(s, info[1]);
    const int64_t axis = info[2].As<Napi::Number>().Int64Value();
    at::Tensor flat = at::index_select(x, axis, idx.reshape({-1}).to(at::kLong));
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
    for (auto d : idx.sizes()) shape.push_back(d);
    for (int64_t d = axis + 1; d < x.dim(); d++) shape.push_back(x.size(d));
    return num(info.Env(), store(s, flat.reshape(shape)));
  });
}

// (x, segmentIds, numSegments): out[numSegments, ...x.shape[segRank:]]
Napi::Value SegmentSum(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &x = get(s, info[0]);
    const at::Tensor &seg = get(s, info[1]);
    const int64_t n = info[2].As<Napi::Number>().Int64Value();
    std::vector<int64_t> rest(x.sizes().begin() + seg.dim(), x.sizes().end());
    std::vector<int64_t> out_shape{n};
    out_shape.insert(out_shape.end(), rest.begin(), rest.end());
    std::vector<int64_t> flat_shape{seg.numel()};
    flat_shape.insert(flat_shape.end(), rest.begin(), rest.end());
    at::Tensor out = at::zeros(out_shape, x.options());
    out.index_add_(0, seg.reshape({-1}).to(at::kLong), x.reshape(flat_shape));
    return num(info.Env(), store(s, out));
  });
}

// (indices, depth, onValue, offValue, dtype)
Napi::Value OneHot(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &idx = get(s, info[0]);
    const int64_t depth = info[1].As<Napi::Number>().Int64Value();
    const double on = info[2].As<Napi::Number>().DoubleValue();
    const double off = info[3].As<Napi::Number>().DoubleValue();
    const auto dt = scalar_type(info[4].As<Napi::Number>().Int32Value());
    // Out-of-range indices give an all-off row, as in tfjs.
    at::Tensor i = idx.to(at::kLong);
    at::Tensor valid = (i >= 0).logical_and(i < depth);
    at::Tensor hot = at::one_hot(at::where(valid, i, at::zeros_like(i)), depth) * valid.unsqueeze(-1);
    at::Tensor out = hot.to(at::kDouble) * (on - off) + off;
    return num(info.Env(), store(s, out.to(dt)));
  });
}

// (shape, value, dtype)
Napi::Value Fill(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const auto dt = scalar_type(info[2].As<Napi::Number>().Int32Value());
    const double v = info[1].As<Napi::Number>().DoubleValue();
    return num(info.Env(), store(s, at::full(int_list(info[0]), v, at::TensorOptions().dtype(dt).device(s.device))));
  });
}

// (x, reps)
Napi::Value Tile(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    return num(info.Env(), store(s, get(s, info[0]).repeat(int_list(info[1]))));
  });
}

// (x, flatPaddings [before0, after0, ...], value)
Napi::Value Pad(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto p = int_list(info[1]);
    // constant_pad_nd takes pairs from the last dimension backwards.
    std::vector<int64_t> rev;
    for (int64_t d = static_cast<int64_t>(p.size()) / 2 - 1; d >= 0; d--) {
      rev.push_back(p[2 * d]);
      rev.push_back(p[2 * d + 1]);
    }
    return num(info.Env(), store(s, at::constant_pad_nd(get(s, info[0]), rev, info[2].As<Napi::Number>().DoubleValue())));
  });
}

// (x, axis, exclusive, reverse)
Napi::Value Cumsum(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    at::Tensor x = get(s, info[0]);
    const int64_t axis = info[1].As<Napi::Number>().Int64Value();
    const bool exclusive = info[2].As<Napi::Boolean>().Value();
    const bool reverse = info[3].As<Napi::Boolean>().Value();
    if (reverse) x = x.flip({axis});
    at::Tensor c = at::cumsum(x, axis, x.scalar_type() == at::kBool ? at::kInt : x.scalar_type());
    if (exclusive) c = c - x;
    if (reverse) c = c.flip({axis});
    return num(info.Env(), store(s, c));
  });
}


// ---------------------------------------------------------------------------------------------
// Fused kernels (fused.ts registers them; each is tested against the tfjs composition it replaces).

// (logits[N, V], targets[N] int32) -> [logp[N], lse[N]]: log-softmax picked at the targets.
Napi::Value TokenLogProbs(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &logits = get(s, info[0]);
    const at::Tensor t = get(s, info[1]).to(at::kLong).unsqueeze(1);
    at::Tensor lse = at::logsumexp(logits, {1}, false);
    at::Tensor logp = logits.gather(1, t).squeeze(1) - lse;
    return ids_array(info.Env(), s, {logp, lse});
  });
}

// (dy[N], logits[N, V], targets[N], lse[N]) -> dlogits = dy * (onehot(targets) - softmax(logits))
Napi::Value TokenLogProbsGrad(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &dy = get(s, info[0]);
    const at::Tensor &logits = get(s, info[1]);
    const at::Tensor t = get(s, info[2]).to(at::kLong).unsqueeze(1);
    const at::Tensor &lse = get(s, info[3]);
    at::Tensor d = at::exp(logits - lse.unsqueeze(1));
    d.mul_(dy.neg().unsqueeze(1));
    d.scatter_add_(1, t, dy.unsqueeze(1));
    return num(info.Env(), store(s, d));
  });
}

// (xs[]) -> scalar float32: the sum over tensors of the sum of squares (global gradient norm^2).
Napi::Value SumSquares(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto xs = tensor_list(s, info[0]);
    at::Tensor acc = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(s.device));
    for (const auto &x : xs) {
      at::Tensor f = x.reshape({-1});
      acc += (f.device().is_cpu() ? at::dot(f, f) : f.square().sum()).to(at::kDouble);
    }
    return num(info.Env(), store(s, acc.to(at::kFloat)));
  });
}

// Whether `t` owns its storage alone (no view of it, no other tensor sharing it) and is dense.
bool sole_owner(const at::Tensor &t) {
  return t.is_contiguous() && t.storage_offset() == 0 && t.storage().use_count() == 1 &&
         static_cast<int64_t>(t.storage().nbytes()) == t.numel() * static_cast<int64_t>(t.element_size());
}

// One AdamW update of every parameter, as torch.optim.AdamW (single-tensor path) computes it:
//   g = grad * gradScale; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2
//   p = p (1 - lr wd) - (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps)
// (params[], grads[], m[], v[], lr, b1, b2, eps, wd, step, gradScale, mayUpdateInPlace[])
//   -> [p'..., m'..., v'...], an id per output, or -1 where the input was updated in place.
// In place only where JavaScript says no other tfjs tensor shares the data (refCount 1) and
// libtorch agrees that nothing else references the storage (no view of it): then nothing can
// observe the update, and PyTorch's own in-place arithmetic is what runs, without allocating
// three new copies of the model (measured on the 0.5B shape: the copies cost more than the math).
// On the CPU one pass per parameter.
Napi::Value AdamW(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    auto ps = tensor_list(s, info[0]);
    auto gs = tensor_list(s, info[1]);
    auto ms = tensor_list(s, info[2]);
    auto vs = tensor_list(s, info[3]);
    const double lr = info[4].As<Napi::Number>().DoubleValue();
    const double b1 = info[5].As<Napi::Number>().DoubleValue();
    const double b2 = info[6].As<Napi::Number>().DoubleValue();
    const double eps = info[7].As<Napi::Number>().DoubleValue();
    const double wd = info[8].As<Napi::Number>().DoubleValue();
    const double step = info[9].As<Napi::Number>().DoubleValue();
    const double scale = info[10].As<Napi::Number>().DoubleValue();
    auto may = info[11].As<Napi::Array>();
    const size_t n = ps.size();
    if (gs.size() != n || ms.size() != n || vs.size() != n || may.Length() != n)
      throw std::runtime_error("adamW: params, grads, moments and flags differ in number");
    const double bc1 = 1 - std::pow(b1, step);
    const double bc2 = 1 - std::pow(b2, step);
    const float decay = static_cast<float>(1 - lr * wd);
    const float step_size = static_cast<float>(lr / bc1);
    const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
    const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
    const float c1 = static_cast<float>(1 - b1), c2 = static_cast<float>(1 - b2);
    const float feps = static_cast<float>(eps), fscale = static_cast<float>(scale);
    auto out = Napi::Array::New(info.Env(), 3 * n);
    for (size_t i = 0; i < n; i++) {
      const at::Tensor &p = ps[i], &m = ms[i], &v = vs[i];
      const at::Tensor g = gs[i].contiguous();
      // Handles held here share the TensorImpl, not the storage: only views or other tensors count.
      const bool in_place = may.Get(static_cast<uint32_t>(i)).As<Napi::Boolean>().Value() &&
                            sole_owner(p) && sole_owner(m) && sole_owner(v);
      at::Tensor p2 = in_place ? p : at::empty_like(p, at::MemoryFormat::Contiguous);
      at::Tensor m2 = in_place ? m : at::empty_like(m, at::MemoryFormat::Contiguous);
      at::Tensor v2 = in_place ? v : at::empty_like(v, at::MemoryFormat::Contiguous);
      if (p.device().is_cpu() && p.scalar_type() == at::kFloat && g.scalar_type() == at::kFloat) {
        const at::Tensor pc = p.contiguous(), mc = m.contiguous(), vc = v.contiguous();
        const float *pp = pc.data_ptr<float>(), *gp = g.data_ptr<float>(), *mp = mc.data_ptr<float>(),
                    *vp = vc.data_ptr<float>();
        float *po = p2.data_ptr<float>(), *mo = m2.data_ptr<float>(), *vo = v2.data_ptr<float>();
        // Element j is read before it is written, so in place (po == pp, ...) is safe.
        at::parallel_for(0, p.numel(), 16384, [&](int64_t begin, int64_t end) {
          for (int64_t j = begin; j < end; j++) {
            const float gj = fscale == 1.0f ? gp[j] : gp[j] * fscale;
            const float mj = mp[j] * fb1 + gj * c1;
            const float vj = vp[j] * fb2 + gj * gj * c2;
            mo[j] = mj;
            vo[j] = vj;
            po[j] = pp[j] * decay - step_size * (mj / (std::sqrt(vj) / bc2_sqrt + feps));
          }
        });
      } else {
        const at::Tensor gj = scale == 1.0 ? g : g * scale;
        if (!in_place) {
          m2.copy_(m);
          v2.copy_(v);
          p2.copy_(p);
        }
        m2.mul_(b1).add_(gj, 1 - b1);
        v2.mul_(b2).addcmul_(gj, gj, 1 - b2);
        at::Tensor denom = v2.sqrt();
        denom.div_(std::sqrt(bc2)).add_(eps);
        p2.mul_(1 - lr * wd).addcdiv_(m2, denom, -lr / bc1);
      }
      const uint32_t k = static_cast<uint32_t>(i);
      out.Set(k, in_place ? -1 : store(s, p2));
      out.Set(static_cast<uint32_t>(n) + k, in_place ? -1 : store(s, m2));
      out.Set(static_cast<uint32_t>(2 * n) + k, in_place ? -1 : store(s, v2));
    }
    return out;
  });
}

// Rotary embedding, rotate-half convention: (x[..., hd], cos, sin broadcastable) ->
//   x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1]
Napi::Value Rope(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &x = get(s, info[0]);
    const at::Tensor &cos = get(s, info[1]);
    const at::Tensor &sin = get(s, info[2]);
    const int64_t h = x.size(-1) / 2;
    at::Tensor rh = at::cat({x.narrow(-1, h, h).neg(), x.narrow(-1, 0, h)}, -1);
    rh.mul_(sin);
    return num(info.Env(), store(s, rh.add_(x * cos)));
  });
}

// (dy, cos, sin) -> dx = dy * cos - rotate_half(dy * sin) = dy * cos + [v2, -v1], v = dy * sin
Napi::Value RopeGrad(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &dy = get(s, info[0]);
    const at::Tensor &cos = get(s, info[1]);
    const at::Tensor &sin = get(s, info[2]);
    const int64_t h = dy.size(-1) / 2;
    const at::Tensor v = dy * sin;
    at::Tensor dx = at::cat({v.narrow(-1, h, h), v.narrow(-1, 0, h).neg()}, -1);
    return num(info.Env(), store(s, dx.add_(dy * cos)));
  });
}

// (x[N, H], w[H], eps) -> [y[N, H], rstd[N, 1]]: y = x * rsqrt(mean(x^2) + eps) * w
Napi::Value RmsNorm(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &x = get(s, info[0]);
    const at::Tensor &w = get(s, info[1]);
    const double eps = info[2].As<Napi::Number>().DoubleValue();
    at::Tensor rstd = at::rsqrt(x.square().mean({-1}, true).add_(eps));
    at::Tensor y = x * rstd;
    y.mul_(w);
    return ids_array(info.Env(), s, {y, rstd});
  });
}

// (dy, x, w, rstd) -> [dx, dw]; with n = x * rstd:
//   dx = rstd * (dy w - n * mean(dy w n)),  dw = sum over rows of dy * n
Napi::Value RmsNormGrad(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &dy = get(s, info[0]);
    const at::Tensor &x = get(s, info[1]);
    const at::Tensor &w = get(s, info[2]);
    const at::Tensor &rstd = get(s, info[3]);
    at::Tensor n = x * rstd;
    at::Tensor dyw = dy * w;
    at::Tensor dx = dyw - n * (dyw * n).mean({-1}, true);
    dx.mul_(rstd);
    std::vector<int64_t> rows;
    for (int64_t d = 0; d < dy.dim() - 1; d++) rows.push_back(d);
    at::Tensor dw = (dy * n).sum(rows);
    return ids_array(info.Env(), s, {dx, dw});
  });
}

// Attention core on grouped heads: (q[G, M, hd] already scaled, k[G, Tk, hd], v[G, Tk, hd],
// bias[B, 1, T, Tk] with G * M = B * heads * T) -> [ctx[G, M, hd], probs[G, M, Tk]]
Napi::Value Attention(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &q = get(s, info[0]);
    const at::Tensor &k = get(s, info[1]);
    const at::Tensor &v = get(s, info[2]);
    const at::Tensor &bias = get(s, info[3]);
    // Decoding (a few query rows per group): one broadcast product and sum instead of G tiny
    // matrix products (ATen's CPU bmm calls BLAS once per group; measured 4x slower here).
    const bool few_rows = q.size(1) <= 4 && q.device().is_cpu();
    at::Tensor scores = few_rows ? (q.unsqueeze(2) * k.unsqueeze(1)).sum(-1) : at::bmm(q, k.transpose(1, 2));
    scores.view({bias.size(0), -1, bias.size(2), bias.size(3)}).add_(bias);
    at::Tensor probs = at::softmax(scores, -1);
    at::Tensor ctx = few_rows ? (probs.unsqueeze(-1) * v.unsqueeze(1)).sum(2) : at::bmm(probs, v);
    return ids_array(info.Env(), s, {ctx, probs});
  });
}

// (dctx, q, k, v, probs) -> [dq, dk, dv]
Napi::Value AttentionGrad(const Napi::CallbackInfo &info) {
  return guarded(info, [&](State &s) -> Napi::Value {
    const at::Tensor &dy = get(s, info[0]);
    const at::Tensor &q = get(s, info[1]);
    const at::Tensor &k = get(s, info[2]);
    const at::Tensor &v = get(s, info[3]);
    const at::Tensor &probs = get(s, info[4]);
    at::Tensor dprobs = at::bmm(dy, v.transpose(1, 2));
    at::Tensor ds = dprobs - (dprobs * probs).sum({-1}, true);
    ds.mul_(probs);
    return ids_array(info.Env(), s, {at::bmm(ds, k), at::bmm(ds.transpose(1, 2), q), at::bmm(probs.transpose(1, 2), dy)});
  });
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<State>(new State());
  install_allocator();
  // Each thread that loads the addon starts with the process-wide intra-op setting.
  at::init_num_threads();
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("live", Napi::Function::New(env, Live, "live"));
  exports.Set("fromData", Napi::Function::New(env, FromData, "fromData"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("release", Napi::Function::New(env, Release, "release"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("argReduce", Napi::Function::New(env, ArgReduce, "argReduce"));
  exports.Set("matMul", Napi::Function::New(env, MatMul, "matMul"));
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
  exports.Set("reshape", Napi::Function::New(env, Reshape, "reshape"));
  exports.Set("cast", Napi::Function::New(env, Cast, "cast"));
  exports.Set("clip", Napi::Function::New(env, Clip, "clip"));
  exports.Set("select", Napi::Function::New(env, Select, "select"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("concat", Napi::Function::New(env, Concat, "concat"));
  exports.Set("stack", Napi::Function::New(env, Stack, "stack"));
  exports.Set("addN", Napi::Function::New(env, AddN, "addN"));
  exports.Set("split", Napi::Function::New(env, Split, "split"));
  exports.Set("unstack", Napi::Function::New(env, Unstack, "unstack"));
  exports.Set("slice", Napi::Function::New(env, Slice, "slice"));
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum, "segmentSum"));
  exports.Set("oneHot", Napi::Function::New(env, OneHot, "oneHot"));
  exports.Set("fill", Napi::Function::New(env, Fill, "fill"));
  exports.Set("tile", Napi::Function::New(env, Tile, "tile"));
  exports.Set("pad", Napi::Function::New(env, Pad, "pad"));
  exports.Set("cumsum", Napi::Function::New(env, Cumsum, "cumsum"));
  exports.Set("tokenLogProbs", Napi::Function::New(env, TokenLogProbs, "tokenLogProbs"));
  exports.Set("tokenLogProbsGrad", Napi::Function::New(env, TokenLogProbsGrad, "tokenLogProbsGrad"));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares, "sumSquares"));
  exports.Set("adamW", Napi::Function::New(env, AdamW, "adamW"));
  exports.Set("rope", Napi::Function::New(env, Rope, "rope"));
  exports.Set("ropeGrad", Napi::Function::New(env, RopeGrad, "ropeGrad"));
  exports.Set("rmsNorm", Napi::Function::New(env, RmsNorm, "rmsNorm"));
  exports.Set("rmsNormGrad", Napi::Function::New(env, RmsNormGrad, "rmsNormGrad"));
  exports.Set("attention", Napi::Function::New(env, Attention, "attention"));
  exports.Set("attentionGrad", Napi::Function::New(env, AttentionGrad, "attentionGrad"));
  return exports;
}

}  // namespace

// Entered from loader.c, which sets up the environment before libtorch is loaded.
extern "C" __attribute__((visibility("default"))) napi_value rzero_torch_init(napi_env env, napi_value exports) {
  return Napi::RegisterModule(env, exports, InitModule);
}
